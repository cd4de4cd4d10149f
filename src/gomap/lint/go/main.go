// Command gomaplint finds map hazards in Go source: the analyzer behind `gomap lint`.
//
// It parses and type-checks with Go's own front end (go/parser, go/types) and prints
// one JSON document on stdout: the findings, the files it could not parse (with Go's
// error text) and what it read. Formatting, suppression comments and exit codes are
// the Python side's job (gomap/lint).
//
// Usage: gomaplint [-goroot DIR] [-tests=false] PATH...
//
// A PATH that is a file is checked on its own (one package of one file). A directory
// is walked recursively (skipping testdata, vendor and names starting with "." or
// "_"); the files of each directory that match the host's build constraints form
// one package per package clause (a foo_test package is its own unit).
//
// Imports are resolved from source: the module of go.mod (found upward from the
// package), its vendor folder, GOROOT/src and GOROOT/src/vendor. An import that
// cannot be found becomes an empty fake package and the type errors it causes are
// ignored: the analyzer then knows less about that code, and says nothing about it.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Finding is one hazard at one place.
type Finding struct {
	Check     string    `json:"check"`
	File      string    `json:"file"`
	Line      int       `json:"line"`
	Col       int       `json:"col"`
	Message   string    `json:"message"`
	Related   []Related `json:"related,omitempty"`
	Flow      []Related `json:"flow,omitempty"` // entry point (goroutine start) to the access
	Map       string    `json:"map,omitempty"`
	KeyType   string    `json:"key_type,omitempty"`
	ValueType string    `json:"value_type,omitempty"`
	KeySize   int64     `json:"key_size,omitempty"`   // go/types gc/amd64 sizes of the key
	ValueSize int64     `json:"value_size,omitempty"` // and value types (GM006)
	Level     string    `json:"level,omitempty"`      // overrides the check's SARIF level
}

// Related is a second place a finding points at (the other side of a race).
type Related struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// ParseError is a file Go's parser rejected.
type ParseError struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Error string `json:"error"`
}

type output struct {
	Findings    []Finding    `json:"findings"`
	ParseErrors []ParseError `json:"parse_errors"`
	Files       int          `json:"files"`
	Lines       int          `json:"lines"`
	Packages    int          `json:"packages"`
	Stats       stats        `json:"stats"`
	TypeErrors  int          `json:"type_errors"`
	Skipped     []string     `json:"skipped"` // packages the analyzer failed on (a bug: report it)
}

var debugTypes = os.Getenv("GOMAPLINT_DEBUG") != ""

// stats: what the analysis saw (to tell "nothing found" from "nothing seen").
type stats struct {
	MapAccesses    int `json:"map_accesses"`
	LockedAccesses int `json:"locked_accesses"`
	Goroutines     int `json:"goroutine_starts"`
	Functions      int `json:"functions"`
}

type unit struct {
	dir   string
	files []string
}

func main() {
	if vetMain(os.Args[1:]) {
		return
	}
	goroot := flag.String("goroot", os.Getenv("GOROOT"), "GOROOT whose src/ resolves standard imports")
	tests := flag.Bool("tests", true, "also check _test.go files")
	entries := flag.String("entry-points", "", "more concurrency entry points: comma-separated "+
		"import/path.Name of calls whose function arguments run concurrently")
	flag.Parse()
	addEntryPoints(*entries)
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gomaplint [-goroot DIR] PATH...")
		os.Exit(2)
	}
	ctx := build.Default
	ctx.GOROOT = *goroot
	ctx.CgoEnabled = false
	fset := token.NewFileSet()
	imp := newImporter(fset, &ctx)
	out := output{Findings: []Finding{}, ParseErrors: []ParseError{}, Skipped: []string{}}

	var units []unit
	for _, arg := range flag.Args() {
		arg = strings.TrimSuffix(arg, "/...")
		st, err := os.Stat(arg)
		if err != nil {
			out.ParseErrors = append(out.ParseErrors, ParseError{File: arg, Error: err.Error()})
			continue
		}
		if !st.IsDir() {
			units = append(units, unit{dir: filepath.Dir(arg), files: []string{arg}})
			continue
		}
		units = append(units, dirUnits(&ctx, arg, *tests)...)
	}
	for _, u := range units {
		checkUnit(fset, imp, u, &out)
	}
	sort.SliceStable(out.Findings, func(i, j int) bool {
		a, b := out.Findings[i], out.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	w.Flush()
}

// dirUnits walks root and groups the matching .go files of each directory by package clause.
func dirUnits(ctx *build.Context, root string, tests bool) []unit {
	var units []unit
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "vendor" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			units = append(units, packageUnits(ctx, path, tests)...)
		}
		return nil
	})
	return units
}

func packageUnits(ctx *build.Context, dir string, tests bool) []unit {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	byPkg := map[string][]string{}
	var order []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		if !tests && strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		path := filepath.Join(dir, name)
		pkg := packageClause(path)
		if _, seen := byPkg[pkg]; !seen {
			order = append(order, pkg)
		}
		byPkg[pkg] = append(byPkg[pkg], path)
	}
	var units []unit
	for _, p := range order {
		units = append(units, unit{dir: dir, files: byPkg[p]})
	}
	return units
}

// packageClause reads just the package name of a file ("" if it does not parse).
func packageClause(path string) string {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly)
	if err != nil || f.Name == nil {
		return ""
	}
	return f.Name.Name
}

func checkUnit(fset *token.FileSet, imp *srcImporter, u unit, out *output) {
	defer func() {
		// a bug of the analyzer on one package must not cost the findings of the others
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "gomaplint: internal error in %s (package skipped): %v\n", u.dir, r)
			out.Skipped = append(out.Skipped, u.dir)
		}
	}()
	var files []*ast.File
	for _, path := range u.files {
		src, err := os.ReadFile(path)
		if err != nil {
			out.ParseErrors = append(out.ParseErrors, ParseError{File: path, Error: err.Error()})
			continue
		}
		out.Files++
		out.Lines += bytes.Count(src, []byte("\n"))
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			pe := ParseError{File: path, Error: err.Error()}
			if el, ok := err.(scanner.ErrorList); ok && len(el) > 0 {
				pe.Line, pe.Col = el[0].Pos.Line, el[0].Pos.Column
			}
			out.ParseErrors = append(out.ParseErrors, pe)
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return
	}
	out.Packages++
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{
		Importer: imp,
		Error: func(err error) { // keep going: unresolved imports only cost precision
			out.TypeErrors++
			if debugTypes && out.TypeErrors < 20 {
				fmt.Fprintln(os.Stderr, err)
			}
		},
		FakeImportC: true,
		Sizes:       types.SizesFor("gc", "amd64"),
		GoVersion:   moduleGoVersion(u.dir),
	}
	pkgPath := imp.pathOf(u.dir)
	if strings.HasSuffix(files[0].Name.Name, "_test") {
		imp.withTests, _ = filepath.Abs(u.dir)
		defer func() { imp.withTests = "" }()
		pkgPath += "_test"
	}
	pkg, _ := conf.Check(pkgPath, fset, files, info)
	if pkg == nil {
		return
	}
	a := newAnalysis(fset, pkg, info, files)
	out.Findings = append(out.Findings, a.run()...)
	out.Stats.Functions += len(a.funcs)
	for _, f := range a.funcs {
		out.Stats.Goroutines += len(f.spawns)
	}
	for _, accs := range a.accesses {
		for _, x := range accs {
			out.Stats.MapAccesses++
			if len(a.effLocks(x)) > 0 {
				out.Stats.LockedAccesses++
			}
		}
	}
}

// moduleGoVersion is the "go" line of the nearest go.mod ("" if none or unreadable).
func moduleGoVersion(dir string) string {
	root, _ := findModule(dir)
	if root == "" {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "go" {
			v := f[1]
			if strings.Count(v, ".") > 1 { // go 1.21.3 -> go1.21
				v = v[:strings.LastIndex(v, ".")]
			}
			return "go" + v
		}
	}
	return ""
}
