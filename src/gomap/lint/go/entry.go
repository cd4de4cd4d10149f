package main

// Concurrency entry points: functions a library calls from many goroutines at once,
// so that they count as goroutine roots that run concurrently with themselves.
//
// The libraries' sources are often not available (no module download here): an
// import that cannot be found is an empty package, so its types are invalid. The
// rules therefore read the source as written: the import path of the package a
// parameter's type or a registering call is spelled with, plus the method name.
//
//   - a function value (literal, function, method value) passed as an argument whose
//     parameters are a handler's: (http.ResponseWriter, *http.Request, ...) - net/http,
//     gorilla/mux, chi, httprouter - or a first parameter *gin.Context, echo.Context,
//     *fiber.Ctx, *fasthttp.RequestCtx;
//   - ServeHTTP(http.ResponseWriter, *http.Request) methods;
//   - Collect(chan<- prometheus.Metric) methods (a prometheus.Collector: the registry
//     calls Collect from every scrape, concurrently; Describe runs at registration),
//     and exported functions taking a chan<- prometheus.Metric that no function of
//     their package calls (another package's Collect calls them, during a scrape);
//   - the exported methods of a type that embeds an Unimplemented...Server (a gRPC
//     service implementation) or that is passed to a Register...Server function;
//   - the function arguments of the calls named in the user's list (-entry-points:
//     "import/path.Name", the package function or method Name of that package).

import (
	"go/ast"
	"go/types"
	"strings"
)

// handlerFirstParams: the first parameter type of a web framework's handler.
var handlerFirstParams = [][3]string{ // import path (prefix), type name, "*" if a pointer
	{"github.com/gin-gonic/gin", "Context", "*"},
	{"github.com/labstack/echo", "Context", ""},
	{"github.com/gofiber/fiber", "Ctx", "*"},
	{"github.com/valyala/fasthttp", "RequestCtx", "*"},
}

// builtinEntryPoints: registering calls whose function arguments run concurrently.
var builtinEntryPoints = []string{
	"github.com/robfig/cron.AddFunc",
	"github.com/robfig/cron/v3.AddFunc",
	"github.com/go-co-op/gocron.Do",
}

// entryPoints is the user's list plus the built-in one (set in main).
var entryPoints = map[string]bool{}

func addEntryPoints(spec string) {
	for _, s := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
		if s = strings.TrimSpace(s); s != "" && !strings.HasPrefix(s, "#") {
			entryPoints[s] = true
		}
	}
}

func init() {
	addEntryPoints(strings.Join(builtinEntryPoints, ","))
}

// pkgPathOfIdent: the import path of a package name (ident referring to an import).
func (a *analysis) pkgPathOfIdent(e ast.Expr) string {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return ""
	}
	if pn, ok := a.info.Uses[id].(*types.PkgName); ok {
		return pn.Imported().Path()
	}
	return ""
}

// typeExprIs: the type expression t is [*]pkg.name with pkg imported from path
// (a prefix match on path segments, so ".../echo" matches ".../echo/v4").
func (a *analysis) typeExprIs(t ast.Expr, path, name string, ptr bool) bool {
	t = ast.Unparen(t)
	if ptr {
		s, ok := t.(*ast.StarExpr)
		if !ok {
			return false
		}
		t = s.X
	}
	sel, ok := t.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	p := a.pkgPathOfIdent(sel.X)
	return p == path || strings.HasPrefix(p, path+"/")
}

// funcTypeOf: the declared type of a function value expression of this package.
func (w *walker) funcTypeOf(e ast.Expr) *ast.FuncType {
	e = ast.Unparen(e)
	if lit, ok := e.(*ast.FuncLit); ok {
		return lit.Type
	}
	if f := w.callee(e); f != nil && f.decl != nil {
		return f.decl.Type
	}
	return nil
}

// paramTypes: the parameter type expressions of ft, one per parameter.
func paramTypes(ft *ast.FuncType) []ast.Expr {
	var out []ast.Expr
	if ft == nil || ft.Params == nil {
		return nil
	}
	for _, f := range ft.Params.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, f.Type)
		}
	}
	return out
}

// handlerKind: "" unless e is a function value with a request handler's parameters.
func (w *walker) handlerKind(e ast.Expr) string {
	// net/http (also gorilla/mux, chi, httprouter): the types are known
	if t := w.a.typeOf(e); t != nil {
		if sig, ok := t.Underlying().(*types.Signature); ok && sig.Params().Len() >= 2 &&
			isNamed(sig.Params().At(0).Type(), "net/http", "ResponseWriter") &&
			isNamed(sig.Params().At(1).Type(), "net/http", "Request") {
			return "the HTTP handler registered"
		}
	}
	ps := paramTypes(w.funcTypeOf(e))
	if len(ps) == 0 {
		return ""
	}
	for _, h := range handlerFirstParams {
		if w.a.typeExprIs(ps[0], h[0], h[1], h[2] == "*") {
			return "the HTTP handler registered"
		}
	}
	return ""
}

// isCollectorMethod: Collect(chan<- prometheus.Metric).
func (a *analysis) isCollectorMethod(fd *ast.FuncDecl) bool {
	if fd.Recv == nil || fd.Name.Name != "Collect" {
		return false
	}
	ps := paramTypes(fd.Type)
	if len(ps) != 1 {
		return false
	}
	ch, ok := ps[0].(*ast.ChanType)
	if !ok {
		return false
	}
	return a.typeExprIs(ch.Value, "github.com/prometheus/client_golang/prometheus", "Metric", false)
}

// grpcServiceTypes: struct types of this package that embed an Unimplemented...Server.
func (a *analysis) grpcServiceTypes() map[*types.TypeName]bool {
	out := map[*types.TypeName]bool{}
	for _, file := range a.files {
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, f := range st.Fields.List {
				if len(f.Names) != 0 {
					continue
				}
				t := ast.Unparen(f.Type)
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				name := ""
				switch x := t.(type) {
				case *ast.SelectorExpr:
					name = x.Sel.Name
				case *ast.Ident:
					name = x.Name
				}
				if strings.HasPrefix(name, "Unimplemented") && strings.HasSuffix(name, "Server") {
					if tn, ok := a.info.Defs[ts.Name].(*types.TypeName); ok {
						out[tn] = true
					}
				}
			}
			return false
		})
	}
	return out
}

// registrar: the "import/path.Name" of a call's function, when it can be told from
// the source: a package function (pkg.F), a method of a known type, or a method called
// on a variable initialised from a call of a package function (r := mux.NewRouter()).
func (w *walker) registrar(fun ast.Expr) string {
	sel, ok := ast.Unparen(fun).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if p := w.a.pkgPathOfIdent(sel.X); p != "" {
		return p + "." + sel.Sel.Name
	}
	if obj, ok := w.a.info.Uses[sel.Sel].(*types.Func); ok && obj.Pkg() != nil {
		return obj.Pkg().Path() + "." + sel.Sel.Name
	}
	if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
		if v, ok := w.a.info.Uses[id].(*types.Var); ok {
			if p := w.a.varPkg[v]; p != "" {
				return p + "." + sel.Sel.Name
			}
		}
	}
	return ""
}

// isDescribeMethod: Describe(chan<- *prometheus.Desc).
func (a *analysis) isDescribeMethod(fd *ast.FuncDecl) bool {
	ps := paramTypes(fd.Type)
	if fd.Recv == nil || len(ps) != 1 {
		return false
	}
	ch, ok := ps[0].(*ast.ChanType)
	return ok && a.typeExprIs(ch.Value, "github.com/prometheus/client_golang/prometheus", "Desc", true)
}

// takesMetricChannel: a function with a chan<- prometheus.Metric parameter (it pushes
// metrics during a scrape).
func (a *analysis) takesMetricChannel(ft *ast.FuncType) bool {
	for _, p := range paramTypes(ft) {
		if ch, ok := p.(*ast.ChanType); ok &&
			a.typeExprIs(ch.Value, "github.com/prometheus/client_golang/prometheus", "Metric", false) {
			return true
		}
	}
	return false
}
