package main

// A types.ImporterFrom that type-checks imported packages from source, without their
// function bodies, and never fails: what it cannot find becomes an empty package.

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
)

type srcImporter struct {
	fset    *token.FileSet
	ctx     *build.Context
	byDir   map[string]*types.Package
	fakes   map[string]*types.Package
	loading map[string]bool
	modules map[string][2]string // dir -> (module root, module path)
	// withTests: while checking an external test package (foo_test), the folder
	// whose import also includes its internal _test.go files (export_test.go).
	withTests string
}

func newImporter(fset *token.FileSet, ctx *build.Context) *srcImporter {
	return &srcImporter{fset: fset, ctx: ctx, byDir: map[string]*types.Package{},
		fakes: map[string]*types.Package{}, loading: map[string]bool{},
		modules: map[string][2]string{}}
}

func (im *srcImporter) Import(path string) (*types.Package, error) {
	return im.ImportFrom(path, "", 0)
}

// findModule returns the folder holding the nearest go.mod above dir and its module path.
func findModule(dir string) (string, string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				f := strings.Fields(line)
				if len(f) >= 2 && f[0] == "module" {
					return d, strings.Trim(f[1], `"`)
				}
			}
			return d, ""
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

func (im *srcImporter) module(dir string) (string, string) {
	if m, ok := im.modules[dir]; ok {
		return m[0], m[1]
	}
	root, path := findModule(dir)
	im.modules[dir] = [2]string{root, path}
	return root, path
}

// pathOf is the import path of the package in dir (its folder name if unknown).
func (im *srcImporter) pathOf(dir string) string {
	abs, _ := filepath.Abs(dir)
	if im.ctx.GOROOT != "" {
		src := filepath.Join(im.ctx.GOROOT, "src") + string(filepath.Separator)
		if strings.HasPrefix(abs, src) {
			rel := filepath.ToSlash(abs[len(src):])
			if strings.HasPrefix(rel, "vendor/") {
				return rel[len("vendor/"):]
			}
			return rel
		}
	}
	root, mod := im.module(dir)
	if root != "" && mod != "" {
		rel, err := filepath.Rel(root, abs)
		if err == nil {
			if rel == "." {
				return mod
			}
			return mod + "/" + filepath.ToSlash(rel)
		}
	}
	return filepath.Base(abs)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// resolve finds the folder of import path as seen from a package in dir ("" if none).
func (im *srcImporter) resolve(path, dir string) string {
	var cands []string
	if dir != "" {
		if root, mod := im.module(dir); root != "" {
			if mod != "" && (path == mod || strings.HasPrefix(path, mod+"/")) {
				cands = append(cands, filepath.Join(root, strings.TrimPrefix(path, mod)))
			}
			cands = append(cands, filepath.Join(root, "vendor", path))
		}
	}
	if im.ctx.GOROOT != "" {
		src := filepath.Join(im.ctx.GOROOT, "src")
		cands = append(cands, filepath.Join(src, path), filepath.Join(src, "vendor", path))
	}
	for _, c := range cands {
		if isDir(c) {
			return c
		}
	}
	return ""
}

func (im *srcImporter) fake(path string) *types.Package {
	if p, ok := im.fakes[path]; ok {
		return p
	}
	parts := strings.Split(path, "/")
	name := parts[len(parts)-1]
	if len(parts) > 1 && len(name) >= 2 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = parts[len(parts)-2]
	}
	name = strings.TrimPrefix(strings.TrimSuffix(name, ".go"), "go-")
	name = strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, name)
	p := types.NewPackage(path, name)
	p.MarkComplete()
	im.fakes[path] = p
	return p
}

func (im *srcImporter) ImportFrom(path, dir string, _ types.ImportMode) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if path == "C" {
		return im.fake("C"), nil
	}
	d := im.resolve(path, dir)
	if d == "" {
		return im.fake(path), nil
	}
	cacheKey := d
	if d == im.withTests {
		cacheKey = d + "#test"
	}
	if p, ok := im.byDir[cacheKey]; ok {
		return p, nil
	}
	if im.loading[d] {
		return im.fake(path), nil // an import cycle: give up on it quietly
	}
	im.loading[d] = true
	defer delete(im.loading, d)
	bp, err := im.ctx.ImportDir(d, 0)
	if err != nil && bp == nil {
		return im.fake(path), nil
	}
	var files []*ast.File
	names := bp.GoFiles
	if cacheKey != d {
		names = append(append([]string(nil), names...), bp.TestGoFiles...)
	}
	for _, name := range names {
		f, err := parser.ParseFile(im.fset, filepath.Join(d, name), nil, parser.SkipObjectResolution)
		if err == nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		p := im.fake(path)
		im.byDir[cacheKey] = p
		return p, nil
	}
	conf := types.Config{
		Importer:         im,
		Error:            func(error) {},
		IgnoreFuncBodies: true,
		FakeImportC:      true,
		Sizes:            types.SizesFor("gc", "amd64"),
	}
	p, _ := conf.Check(path, im.fset, files, nil)
	if p == nil {
		p = im.fake(path)
	}
	p.MarkComplete()
	im.byDir[cacheKey] = p
	return p, nil
}
