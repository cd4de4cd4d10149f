// Command typeinfo reports the layout of named Go types as the Go type checker sees
// them (go/types with types.SizesFor("gc", "amd64")), for gomap's layout model.
//
//	typeinfo -std time.Time,time.Duration       standard-library types by name
//	typeinfo -pkg DIR|FILE.go [-types T1,T2]    the named types of one package
//
// For each type it prints one JSON object per line:
//
//	{"name": "time.Time", "expr": "struct { wall uint64; ext int64; loc *struct{} }",
//	 "size": 24, "align": 8, "ptrdata": 24, "comparable": true}
//
// "expr" is the underlying type written with type literals only (every named type
// replaced by its own underlying literal; a pointer's, slice's, map's, channel's or
// func's element is not part of its layout and is written minimally), so that gomap's
// own parser can lay it out; size and align are go/types' own figures for the named
// type, to check that parser against. A type that cannot be read is reported as
// {"name": ..., "error": ...}; the program exits 1 only when a package cannot be loaded.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

var sizes = types.SizesFor("gc", "amd64")

type row struct {
	Name       string `json:"name"`
	Expr       string `json:"expr,omitempty"`
	Size       int64  `json:"size,omitempty"`
	Align      int64  `json:"align,omitempty"`
	Comparable bool   `json:"comparable,omitempty"`
	Error      string `json:"error,omitempty"`
}

// literal writes t with type literals only.
func literal(t types.Type, depth int) (string, error) {
	if depth > 64 {
		return "", fmt.Errorf("type nests too deeply")
	}
	switch u := t.(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.UnsafePointer:
			return "unsafe.Pointer", nil
		case types.UntypedNil, types.Invalid:
			return "", fmt.Errorf("not a type of a value: %s", u)
		}
		return u.Name(), nil
	case *types.Named, *types.Alias, *types.TypeParam:
		return literal(t.Underlying(), depth+1)
	case *types.Pointer:
		return "*struct{}", nil // every pointer is one word; the pointee is not laid out
	case *types.Slice:
		return "[]struct{}", nil
	case *types.Map:
		return "map[int]struct{}", nil
	case *types.Chan:
		return "chan struct{}", nil
	case *types.Signature:
		return "func()", nil
	case *types.Interface:
		if u.Empty() {
			return "interface{}", nil
		}
		return "error", nil // a non-empty interface: an itab and a data word
	case *types.Array:
		e, err := literal(u.Elem(), depth+1)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("[%d]%s", u.Len(), e), nil
	case *types.Struct:
		var b strings.Builder
		b.WriteString("struct {")
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			e, err := literal(f.Type(), depth+1)
			if err != nil {
				return "", err
			}
			if i > 0 {
				b.WriteString(";")
			}
			name := f.Name() // an embedded field is named by its type, as in Go
			if name == "" {
				name = fmt.Sprintf("f%d", i)
			}
			fmt.Fprintf(&b, " %s %s", name, e)
		}
		b.WriteString(" }")
		return b.String(), nil
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

func report(name string, t types.Type) row {
	r := row{Name: name}
	expr, err := literal(t, 0)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Expr = expr
	r.Size = sizes.Sizeof(t)
	r.Align = sizes.Alignof(t)
	r.Comparable = types.Comparable(t)
	return r
}

// stdPath: the import path of the standard-library package named name ("netip" →
// "net/netip"); name itself when there is none or more than one.
func stdPath(name string) string {
	root := filepath.Join(build.Default.GOROOT, "src")
	var found []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		base := d.Name()
		if base == "internal" || base == "vendor" || base == "testdata" || rel == "cmd" {
			return filepath.SkipDir
		}
		if base == name {
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(found) == 1 {
		return found[0]
	}
	return name
}

func std(names string, out *json.Encoder) int {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	for _, full := range strings.Split(names, ",") {
		full = strings.TrimSpace(full)
		dot := strings.LastIndex(full, ".")
		if dot <= 0 {
			out.Encode(row{Name: full, Error: "write a standard-library type as package.Type"})
			continue
		}
		path, tname := full[:dot], full[dot+1:]
		if !strings.Contains(path, "/") {
			path = stdPath(path)
		}
		pkg, err := imp.Import(path)
		if err != nil {
			out.Encode(row{Name: full, Error: err.Error()})
			continue
		}
		obj, ok := pkg.Scope().Lookup(tname).(*types.TypeName)
		if !ok || !obj.Exported() {
			out.Encode(row{Name: full, Error: fmt.Sprintf("package %s has no exported type %s", path, tname)})
			continue
		}
		out.Encode(report(pkg.Name()+"."+tname, obj.Type()))
	}
	return 0
}

func local(dir string, want string, out *json.Encoder) int {
	fset := token.NewFileSet()
	var files []*ast.File
	st, err := os.Stat(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var paths []string
	if st.IsDir() {
		paths, _ = filepath.Glob(filepath.Join(dir, "*.go"))
	} else {
		paths = []string{dir}
	}
	sort.Strings(paths)
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		fmt.Fprintf(os.Stderr, "%s: no Go files\n", dir)
		return 1
	}
	var errs []string
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil), Sizes: sizes,
		Error: func(err error) { errs = append(errs, err.Error()) }}
	pkg, _ := conf.Check(files[0].Name.Name, fset, files, nil)
	if pkg == nil || len(errs) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(errs, "\n"))
		return 1
	}
	wanted := map[string]bool{}
	for _, w := range strings.Split(want, ",") {
		if w = strings.TrimSpace(w); w != "" {
			wanted[w] = true
		}
	}
	scope := pkg.Scope()
	for _, n := range scope.Names() {
		obj, ok := scope.Lookup(n).(*types.TypeName)
		if !ok || (len(wanted) > 0 && !wanted[n]) {
			continue
		}
		if named, ok := obj.Type().(*types.Named); ok && named.TypeParams().Len() > 0 {
			out.Encode(row{Name: pkg.Name() + "." + n, Error: "a generic type: instantiate it (gomap takes no type arguments)"})
			continue
		}
		out.Encode(report(pkg.Name()+"."+n, obj.Type()))
	}
	return 0
}

func main() {
	stdNames := flag.String("std", "", "standard-library types, package.Type[,...]")
	pkgDir := flag.String("pkg", "", "a package directory or one .go file")
	want := flag.String("types", "", "only these type names of -pkg (default: all)")
	flag.Parse()
	out := json.NewEncoder(os.Stdout)
	code := 0
	if *stdNames != "" {
		code |= std(*stdNames, out)
	}
	if *pkgDir != "" {
		code |= local(*pkgDir, *want, out)
	}
	os.Exit(code)
}
