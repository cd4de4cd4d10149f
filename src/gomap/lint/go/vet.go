package main

// The `go vet -vettool` protocol (the one golang.org/x/tools' unitchecker speaks):
//
//	gomaplint -V=full       a version line the go command keys its cache on
//	gomaplint -flags        the tool's flags, as JSON (none)
//	gomaplint vet.cfg       check one package: the go command has compiled its
//	                        dependencies and names their export data in vet.cfg
//
// Diagnostics go to stderr as file:line:col: ID message; the exit code is 1 when
// there are any. `//gomap:ignore ID reason` comments are honoured here too. The
// simulator's figures for GM006 are the Python side's and are not added in this mode.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"regexp"
	"strings"
)

type vetConfig struct {
	ID                        string
	Stdout                    string
	Compiler                  string
	Dir                       string
	ImportPath                string
	GoFiles                   []string
	ImportMap                 map[string]string
	PackageFile               map[string]string
	VetxOnly                  bool
	VetxOutput                string
	GoVersion                 string
	SucceedOnTypecheckFailure bool
}

// vetMain handles the vet-tool invocations; it reports whether args were one.
func vetMain(args []string) bool {
	if len(args) == 1 && args[0] == "-V=full" {
		fmt.Printf("gomaplint version gomap-%s\n", selfDigest())
		return true
	}
	if len(args) == 1 && args[0] == "-flags" {
		fmt.Println("[]")
		return true
	}
	if len(args) == 0 || !strings.HasSuffix(args[len(args)-1], ".cfg") {
		return false
	}
	jsonOut := false
	for _, a := range args[:len(args)-1] {
		if a == "-json" || a == "--json" {
			jsonOut = true
		}
	}
	os.Exit(vetPackage(args[len(args)-1], jsonOut))
	return true
}

func selfDigest() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

type mappedImporter struct {
	cfg  *vetConfig
	base types.Importer
}

func (m mappedImporter) Import(path string) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if p, ok := m.cfg.ImportMap[path]; ok {
		path = p
	}
	return m.base.Import(path)
}

func vetPackage(cfgPath string, jsonOut bool) int {
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var cfg vetConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "gomaplint: %s: %v\n", cfgPath, err)
		return 2
	}
	if cfg.VetxOutput != "" { // no facts to pass on, but the go command wants the file
		if err := os.WriteFile(cfg.VetxOutput, nil, 0o666); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	if cfg.VetxOnly || len(cfg.GoFiles) == 0 {
		return 0
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range cfg.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		files = append(files, f)
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := cfg.PackageFile[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
	compiler := cfg.Compiler
	if compiler == "" {
		compiler = "gc"
	}
	typeErrors := 0
	conf := types.Config{
		Importer:  mappedImporter{&cfg, importer.ForCompiler(fset, compiler, lookup)},
		Error:     func(error) { typeErrors++ },
		Sizes:     types.SizesFor("gc", "amd64"),
		GoVersion: cfg.GoVersion,
	}
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	pkg, _ := conf.Check(cfg.ImportPath, fset, files, info)
	if pkg == nil || typeErrors > 0 && cfg.SucceedOnTypecheckFailure {
		return 0
	}
	ignores := suppressions(fset, files)
	type diag struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	}
	diags := []diag{}
	for _, f := range newAnalysis(fset, pkg, info, files).run() {
		if !ignores.covers(f) {
			diags = append(diags, diag{fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col),
				f.Check + " " + f.Message})
		}
	}
	if !jsonOut {
		for _, d := range diags {
			fmt.Fprintf(os.Stderr, "%s: %s\n", d.Posn, d.Message)
		}
		if len(diags) > 0 {
			return 1
		}
		return 0
	}
	// unitchecker's JSON: package ID -> analyzer -> diagnostics (go vet prints them)
	tree := map[string]map[string][]diag{}
	if len(diags) > 0 {
		tree[cfg.ID] = map[string][]diag{"gomaplint": diags}
	}
	out, _ := json.Marshal(tree)
	if cfg.Stdout != "" {
		if err := os.WriteFile(cfg.Stdout, out, 0o666); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	}
	os.Stdout.Write(out)
	return 0
}

var ignoreRE = regexp.MustCompile(`^//\s*gomap:ignore\s+([A-Za-z0-9_,]+)\s+\S`)

type ignoreSet map[string]map[int][]string // file -> line -> IDs

// suppressions collects `//gomap:ignore ID[,ID] reason` comments (a reason is required).
func suppressions(fset *token.FileSet, files []*ast.File) ignoreSet {
	out := ignoreSet{}
	for _, f := range files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				m := ignoreRE.FindStringSubmatch(c.Text)
				if m == nil {
					continue
				}
				p := fset.Position(c.Pos())
				if out[p.Filename] == nil {
					out[p.Filename] = map[int][]string{}
				}
				out[p.Filename][p.Line] = strings.Split(strings.ToUpper(m[1]), ",")
			}
		}
	}
	return out
}

// covers: a suppression for f's check on its line or the line above.
func (s ignoreSet) covers(f Finding) bool {
	for _, line := range []int{f.Line, f.Line - 1} {
		for _, id := range s[f.File][line] {
			if id == f.Check || id == "ALL" {
				return true
			}
		}
	}
	return false
}
