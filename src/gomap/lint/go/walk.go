package main

// The statement walker: one pass over a function body in source order.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
)

type loadSite struct {
	pos   token.Pos
	locks lockState // held at the Load
}

type readSite struct {
	pos     token.Pos
	lock    types.Object
	section int
}

type walker struct {
	a         *analysis
	fn        *fnode
	seq       int
	loops     []int
	roots     []*fnode
	nilGuards []string
	// check-then-act state, per function
	loads map[string]loadSite // sync.Map Load: "recv\x00key"
	// variables holding (or computed from) a Load's result, by the Load's key
	taint      map[types.Object]string
	lhsPending []types.Object
	reads      map[string][]readSite // m[k] read under a lock: "map\x00key"
}

func (w *walker) tick() int {
	w.seq++
	return w.seq
}

func (w *walker) loopsCopy() []int {
	return append([]int(nil), w.loops...)
}

func (w *walker) walkBody(body *ast.BlockStmt, st lockState) {
	if body == nil {
		return
	}
	w.block(body.List, st)
}

func (w *walker) block(list []ast.Stmt, st lockState) (lockState, bool) {
	for _, s := range list {
		var term bool
		st, term = w.stmt(s, st)
		if term {
			return st, true
		}
	}
	return st, false
}

// merge keeps the locks every non-terminating branch holds, in the weakest mode.
func merge(states []lockState) lockState {
	var out lockState
	for _, s := range states {
		if out == nil {
			out = s.clone()
			continue
		}
		for k, v := range out {
			o, ok := s[k]
			if !ok {
				delete(out, k)
			} else if o.mode < v.mode {
				out[k] = held{mode: o.mode, section: v.section}
			}
		}
	}
	return out
}

func (w *walker) lockCall(e ast.Expr) (types.Object, string, bool) {
	k, op, _, ok := w.lockCallBase(e)
	return k, op, ok
}

// baseText: the expression a selector selects from ("c" for c.m), "" for a plain name.
func baseText(e ast.Expr) string {
	if s, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		return types.ExprString(s.X)
	}
	return ""
}

func (w *walker) lockCallBase(e ast.Expr) (types.Object, string, string, bool) {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return nil, "", "", false
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && len(call.Args) == 1 {
		// the runtime's own lock(&l) / unlock(&l) functions
		if u, ok := ast.Unparen(call.Args[0]).(*ast.UnaryExpr); ok && u.Op == token.AND {
			op := map[string]string{"lock": "Lock", "unlock": "Unlock"}[id.Name]
			if op != "" {
				if k, _ := w.canon(u.X); k != nil {
					return k, op, baseText(u.X), true
				}
			}
		}
	}
	if len(call.Args) != 0 {
		return nil, "", "", false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, "", "", false
	}
	switch sel.Sel.Name {
	case "Lock", "Unlock", "RLock", "RUnlock":
	default:
		return nil, "", "", false
	}
	s, ok := w.a.info.Selections[sel]
	if !ok || s.Kind() != types.MethodVal {
		return nil, "", "", false
	}
	base := baseText(sel.X)
	if len(s.Index()) > 1 {
		base = types.ExprString(sel.X)
	}
	return w.a.lockKey(w, sel.X, s), sel.Sel.Name, base, true
}

func (w *walker) applyLock(st lockState, key types.Object, op, base string) {
	switch op {
	case "Lock":
		w.a.section++
		st[key] = held{mode: writeMode, section: w.a.section, base: base}
	case "RLock":
		if _, ok := st[key]; !ok {
			w.a.section++
			st[key] = held{mode: readMode, section: w.a.section, base: base}
		}
	default:
		delete(st, key)
	}
}

func isPanic(e ast.Expr, info *types.Info) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
			return true
		}
	}
	return false
}

func (w *walker) stmt(s ast.Stmt, st lockState) (lockState, bool) {
	w.tick()
	switch s := s.(type) {
	case *ast.ExprStmt:
		if key, op, base, ok := w.lockCallBase(s.X); ok {
			w.applyLock(st, key, op, base)
			return st, false
		}
		if e := w.wrapperEffect(s.X); e != nil {
			w.applyLock(st, e.key, e.op, e.base)
			return st, false
		}
		w.expr(s.X, st)
		return st, isPanic(s.X, w.a.info)
	case *ast.DeferStmt:
		// a deferred Unlock keeps the lock held to the end of the function
		if _, _, ok := w.lockCall(s.Call); ok {
			return st, false
		}
		if w.wrapperEffect(s.Call) != nil {
			return st, false
		}
		w.expr(s.Call, st)
	case *ast.GoStmt:
		w.goStmt(s, st)
	case *ast.AssignStmt:
		w.assign(s, st)
	case *ast.IncDecStmt:
		w.writeTarget(s.X, st, "assignment to")
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			for _, spec := range gd.Specs {
				if vs, ok := spec.(*ast.ValueSpec); ok {
					for i, v := range vs.Values {
						w.expr(v, st)
						if i < len(vs.Names) && (isAllocation(v, w.a.info) || w.a.freshCall(v)) {
							if obj := w.a.info.Defs[vs.Names[i]]; obj != nil {
								w.fn.fresh[obj] = true
							}
						}
					}
				}
			}
		}
	case *ast.BlockStmt:
		return w.block(s.List, st)
	case *ast.LabeledStmt:
		return w.stmt(s.Stmt, st)
	case *ast.IfStmt:
		if s.Init != nil {
			st, _ = w.stmt(s.Init, st)
		}
		w.expr(s.Cond, st)
		guard := nilGuard(s.Cond)
		if guard != "" {
			w.nilGuards = append(w.nilGuards, guard)
		}
		var thenSt lockState
		thenTerm := false
		if tv, ok := w.a.info.Types[s.Cond]; ok && tv.Value != nil && tv.Value.Kind() == constant.Bool &&
			!constant.BoolVal(tv.Value) {
			thenSt = st.clone() // if debug { ... } with a constant false: dead code, not walked
		} else {
			thenSt, thenTerm = w.block(s.Body.List, st.clone())
		}
		if guard != "" {
			w.nilGuards = w.nilGuards[:len(w.nilGuards)-1]
		}
		elseSt, elseTerm := st, false
		if s.Else != nil {
			elseSt, elseTerm = w.stmt(s.Else, st.clone())
		}
		var live []lockState
		if !thenTerm {
			live = append(live, thenSt)
		}
		if !elseTerm {
			live = append(live, elseSt)
		}
		if len(live) == 0 {
			return st, true
		}
		return merge(live), false
	case *ast.ForStmt:
		if s.Init != nil {
			st, _ = w.stmt(s.Init, st)
		}
		w.pushLoop(s)
		if s.Cond != nil {
			w.expr(s.Cond, st)
		}
		w.block(s.Body.List, st.clone())
		if s.Post != nil {
			w.stmt(s.Post, st.clone())
		}
		w.popLoop()
	case *ast.RangeStmt:
		w.rangeStmt(s, st)
	case *ast.SwitchStmt:
		if s.Init != nil {
			st, _ = w.stmt(s.Init, st)
		}
		if s.Tag != nil {
			w.expr(s.Tag, st)
		}
		return w.clauses(s.Body, st, false)
	case *ast.TypeSwitchStmt:
		if s.Init != nil {
			st, _ = w.stmt(s.Init, st)
		}
		w.stmt(s.Assign, st)
		return w.clauses(s.Body, st, false)
	case *ast.SelectStmt:
		w.join()
		return w.clauses(s.Body, st, true)
	case *ast.ReturnStmt:
		for _, r := range s.Results {
			w.expr(r, st)
		}
		return st, true
	case *ast.BranchStmt:
		return st, s.Tok != token.FALLTHROUGH
	case *ast.SendStmt:
		w.expr(s.Chan, st)
		w.expr(s.Value, st)
	}
	return st, false
}

func (w *walker) clauses(body *ast.BlockStmt, st lockState, isSelect bool) (lockState, bool) {
	var live []lockState
	hasDefault := false
	for _, c := range body.List {
		var list []ast.Stmt
		switch c := c.(type) {
		case *ast.CaseClause:
			if c.List == nil {
				hasDefault = true
			}
			for _, e := range c.List {
				w.expr(e, st)
			}
			list = c.Body
		case *ast.CommClause:
			if c.Comm == nil {
				hasDefault = true
			}
			cs := st.clone()
			if c.Comm != nil {
				cs, _ = w.stmt(c.Comm, cs)
			}
			s2, term := w.block(c.Body, cs)
			if !term {
				live = append(live, s2)
			}
			continue
		}
		s2, term := w.block(list, st.clone())
		if !term {
			live = append(live, s2)
		}
	}
	if !hasDefault && !isSelect {
		live = append(live, st)
	}
	if len(live) == 0 {
		return st, !isSelect || hasDefault || len(body.List) > 0
	}
	return merge(live), false
}

func (w *walker) pushLoop(n ast.Node) {
	w.a.loopID++
	w.a.loopNode[w.a.loopID] = n
	w.loops = append(w.loops, w.a.loopID)
}

func (w *walker) popLoop() { w.loops = w.loops[:len(w.loops)-1] }

func (w *walker) join() {
	w.fn.joins = append(w.fn.joins, joinPt{seq: w.tick(), loops: w.loopsCopy()})
}

// nilGuard: "x" for a condition `x == nil` (lazy initialisation).
func nilGuard(cond ast.Expr) string {
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok || b.Op != token.EQL {
		return ""
	}
	if id, ok := ast.Unparen(b.Y).(*ast.Ident); ok && id.Name == "nil" {
		return types.ExprString(b.X)
	}
	return ""
}

func (w *walker) rangeStmt(s *ast.RangeStmt, st lockState) {
	w.expr(s.X, st)
	if t := w.a.typeOf(s.X); t != nil {
		if _, ok := t.Underlying().(*types.Chan); ok {
			w.join()
		}
	}
	if w.a.isMap(s.X) {
		w.access(s.X, aRange, "range over", "", s.For, st)
		w.checkDeleteAll(s)
	}
	w.pushLoop(s)
	w.block(s.Body.List, st.clone())
	w.popLoop()
}

// checkDeleteAll: `for k := range m { delete(m, k) }` is clear(m).
func (w *walker) checkDeleteAll(s *ast.RangeStmt) {
	key, ok := s.Key.(*ast.Ident)
	if !ok || key.Name == "_" || len(s.Body.List) != 1 {
		return
	}
	if s.Value != nil {
		if v, ok := s.Value.(*ast.Ident); !ok || v.Name != "_" {
			return
		}
	}
	es, ok := s.Body.List[0].(*ast.ExprStmt)
	if !ok {
		return
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || !w.isBuiltin(call.Fun, "delete") || len(call.Args) != 2 {
		return
	}
	arg, ok := ast.Unparen(call.Args[1]).(*ast.Ident)
	if !ok || w.a.info.Uses[arg] == nil || w.a.info.Uses[arg] != w.a.info.Defs[key] {
		return
	}
	m := types.ExprString(s.X)
	if types.ExprString(call.Args[0]) != m {
		return
	}
	for _, f := range w.a.files {
		if f.Pos() <= s.Pos() && s.Pos() < f.End() {
			if v := w.a.info.FileVersions[f]; v != "" && versionLess(v, "go1.21") {
				return
			}
		}
	}
	w.a.add("GM005", s.For, fmt.Sprintf(
		"this loop deletes every key of %s: write clear(%s) (Go 1.21+)", m, m))
}

func versionLess(a, b string) bool {
	pa := strings.Split(strings.TrimPrefix(a, "go"), ".")
	pb := strings.Split(strings.TrimPrefix(b, "go"), ".")
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func (w *walker) isBuiltin(fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := w.a.info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

func (w *walker) assign(s *ast.AssignStmt, st lockState) {
	var lhs []types.Object
	for _, l := range s.Lhs {
		if id, ok := l.(*ast.Ident); ok {
			if obj := w.a.info.Defs[id]; obj != nil {
				lhs = append(lhs, obj)
			} else if obj := w.a.info.Uses[id]; obj != nil {
				lhs = append(lhs, obj)
			}
		}
	}
	w.lhsPending = lhs
	if len(s.Lhs) == len(s.Rhs) {
		for i, l := range s.Lhs {
			w.noteAlias(l, s.Rhs[i])
		}
	}
	for _, r := range s.Rhs {
		w.expr(r, st)
	}
	w.lhsPending = nil
	for _, r := range s.Rhs { // values computed from a loaded value carry its taint
		if k := w.tainted(r); k != "" {
			for _, o := range lhs {
				w.taint[o] = k
			}
		}
	}
	what := "assignment to"
	for i, l := range s.Lhs {
		if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok && w.a.isMap(ix.X) {
			w.writeTarget(l, st, what)
			continue
		}
		w.expr(l, st)
		if s.Tok == token.DEFINE || s.Tok == token.ASSIGN {
			var rhs ast.Expr
			if len(s.Rhs) == len(s.Lhs) {
				rhs = s.Rhs[i]
			} else if len(s.Rhs) == 1 && i == 0 {
				rhs = s.Rhs[0] // v, err := newT()
			}
			if id, ok := l.(*ast.Ident); ok && rhs != nil && (isAllocation(rhs, w.a.info) || i == 0 && w.a.freshCall(rhs)) {
				obj := w.a.info.Defs[id]
				if obj == nil {
					obj = w.a.info.Uses[id]
				}
				if obj != nil {
					w.fn.fresh[obj] = true
				}
			}
			if s.Tok == token.ASSIGN && w.a.isMap(l) {
				w.mapAssigned(l)
			}
		}
	}
}

// mapAssigned: the whole map variable or field gets a new value (a rebuild), unless
// it is lazy initialisation, a just-allocated value, or init code.
func (w *walker) mapAssigned(l ast.Expr) {
	key, fresh := w.canon(l)
	if key == nil || fresh || w.fn.isInit {
		return
	}
	text := types.ExprString(l)
	for _, g := range w.nilGuards {
		if g == text {
			return
		}
	}
	x := &access{key: key, obj: key}
	w.classify(x, l)
	w.a.drainOf(x.drainKey()).rebuilds++
}

// writeTarget records m[k] = ..., m[k]++ etc. as a write of m.
func (w *walker) writeTarget(l ast.Expr, st lockState, what string) {
	ix, ok := ast.Unparen(l).(*ast.IndexExpr)
	if !ok || !w.a.isMap(ix.X) {
		w.expr(l, st)
		return
	}
	w.expr(ix.X, st)
	w.expr(ix.Index, st)
	x := w.access(ix.X, aWrite, what, types.ExprString(ix.Index), ix.Pos(), st)
	if x != nil && !x.fresh {
		w.a.drainOf(x.drainKey()).inserts++
		w.checkThenActWrite(x, st)
	}
}

func (w *walker) access(m ast.Expr, kind accKind, what, keyText string, pos token.Pos,
	st lockState) *access {
	key, fresh := w.canon(m)
	if key == nil {
		return nil
	}
	x := &access{key: key, kind: kind, what: what, name: types.ExprString(m), keyText: keyText,
		pos: pos, fn: w.fn, seq: w.tick(), loops: w.loopsCopy(), locks: st.clone(), fresh: fresh,
		base: baseText(m), obj: key}
	w.classify(x, m)
	w.a.record(x)
	return x
}

// --- check-then-act across two critical sections (check 4, locked maps) -------------

func (w *walker) checkThenActRead(x *access, st lockState) {
	if x == nil || x.keyText == "" || x.fresh {
		return
	}
	if w.reads == nil {
		w.reads = map[string][]readSite{}
	}
	k := x.name + "\x00" + x.keyText
	for lock, h := range st {
		if lock == anyLock {
			continue
		}
		w.reads[k] = append(w.reads[k], readSite{pos: x.pos, lock: lock, section: h.section})
	}
}

func (w *walker) checkThenActWrite(x *access, st lockState) {
	if w.reads == nil || x.keyText == "" {
		return
	}
	k := x.name + "\x00" + x.keyText
	for lock, h := range st {
		if h.mode != writeMode || lock == anyLock {
			continue
		}
		var earlier *readSite
		rechecked := false
		for i, r := range w.reads[k] {
			if r.lock != lock {
				continue
			}
			if r.section == h.section {
				rechecked = true
			} else if earlier == nil {
				earlier = &w.reads[k][i]
			}
		}
		if earlier != nil && !rechecked {
			w.a.add("GM004", x.pos, fmt.Sprintf(
				"check-then-act on map %s: %s[%s] was read under %s at %s, the lock was "+
					"released, and this write under a new %s.Lock does not re-check it",
				x.name, x.name, x.keyText, lock.Name(), w.a.place(earlier.pos, x.pos), lock.Name()),
				w.a.related(earlier.pos, "read in an earlier critical section"))
			return
		}
	}
}

// --- expressions --------------------------------------------------------------------

func (w *walker) expr(e ast.Expr, st lockState) {
	if e == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			// A closure not started as a goroutine runs (if at all) where it is
			// defined, as far as this analysis can tell: walk it in place.
			savedLoads, savedReads := w.loads, w.reads
			w.loads, w.reads = nil, nil
			w.block(n.Body.List, st.clone())
			w.loads, w.reads = savedLoads, savedReads
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				w.join()
			}
		case *ast.IndexExpr:
			if w.a.isMap(n.X) {
				w.expr(n.X, st)
				w.expr(n.Index, st)
				x := w.access(n.X, aRead, "read of", types.ExprString(n.Index), n.Pos(), st)
				w.checkThenActRead(x, st)
				return false
			}
		case *ast.CallExpr:
			return w.call(n, st)
		}
		return true
	})
}

// call handles one call expression; it returns whether to descend into it.
func (w *walker) call(c *ast.CallExpr, st lockState) bool {
	fun := ast.Unparen(c.Fun)
	if w.isBuiltin(fun, "delete") || w.isBuiltin(fun, "clear") {
		name := fun.(*ast.Ident).Name
		for _, arg := range c.Args {
			w.expr(arg, st)
		}
		if len(c.Args) >= 1 && w.a.isMap(c.Args[0]) {
			key := ""
			if len(c.Args) == 2 {
				key = types.ExprString(c.Args[1])
			}
			verb := "delete from"
			if name == "clear" {
				verb = "clear of"
			}
			x := w.access(c.Args[0], aWrite, verb, key, c.Pos(), st)
			if x != nil && name == "delete" && len(w.loops) > 0 && !x.fresh {
				d := w.a.drainOf(x.drainKey())
				if d.deleteInLoop == token.NoPos {
					d.deleteInLoop = c.Pos()
				}
			}
		}
		return false
	}
	if w.entryArgs(c, fun, st) {
		return false
	}
	if w.isHTTPRegistration(fun) && len(c.Args) == 2 {
		// http.HandleFunc / mux.Handle(pattern, handler): one goroutine per request
		h := ast.Unparen(c.Args[1])
		if conv, ok := h.(*ast.CallExpr); ok && len(conv.Args) == 1 {
			if tv, ok := w.a.info.Types[conv.Fun]; ok && tv.IsType() { // http.HandlerFunc(f)
				h = ast.Unparen(conv.Args[0])
			}
		}
		w.expr(c.Args[0], st)
		if sel, ok := fun.(*ast.SelectorExpr); ok {
			w.expr(sel.X, st)
		}
		w.startGoroutines(h, st, c.Pos(), "the HTTP handler registered")
		return false
	}
	if callee := w.callee(fun); callee != nil && callee.underLock != nil && w.lockedCall(c, callee, st) {
		return false
	}
	sel, isSel := fun.(*ast.SelectorExpr)
	if isSel {
		recvT := w.a.typeOf(sel.X)
		switch {
		case sel.Sel.Name == "Go" && len(c.Args) >= 1:
			// errgroup.Group.Go, sync.WaitGroup.Go and their kin: the func is a goroutine
			w.expr(sel.X, st)
			for _, arg := range c.Args[:len(c.Args)-1] {
				w.expr(arg, st)
			}
			w.startGoroutine(c.Args[len(c.Args)-1], st, c.Pos())
			return false
		case sel.Sel.Name == "Do" && isNamed(recvT, "sync", "Once") && len(c.Args) == 1:
			if lit, ok := ast.Unparen(c.Args[0]).(*ast.FuncLit); ok {
				once := st.clone()
				once[anyLock] = held{mode: writeMode}
				w.block(lit.Body.List, once)
				return false
			}
			if f := w.callee(ast.Unparen(c.Args[0])); f != nil {
				f.wildcard = true // runs once, before any Do returns
			}
		case sel.Sel.Name == "Wait" && len(c.Args) == 0:
			w.join()
		case sel.Sel.Name == "AfterFunc" && len(c.Args) == 2:
			if id, ok := sel.X.(*ast.Ident); ok {
				if pn, ok := w.a.info.Uses[id].(*types.PkgName); ok && pn.Imported().Path() == "time" {
					w.expr(c.Args[0], st)
					w.startGoroutine(c.Args[1], st, c.Pos())
					return false
				}
			}
		case isNamed(recvT, "sync", "Map"):
			w.syncMapCall(sel, c, st)
		}
	}
	if callee := w.callee(fun); callee != nil {
		fresh := false
		if sel, ok := fun.(*ast.SelectorExpr); ok && callee.recv != nil {
			fresh = w.freshBase(sel.X)
		}
		callee.calls = append(callee.calls, callSite{from: w.fn, seq: w.tick(),
			loops: w.loopsCopy(), locks: st.clone(), fresh: fresh})
		w.noteReceiver(callee, fun)
	}
	return true
}

// noteReceiver: a method called on a package-level variable (G.m(), s.m() with
// s := &G) accesses G's fields; one called on its own receiver inherits that.
func (w *walker) noteReceiver(callee *fnode, fun ast.Expr) {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok || callee.recv == nil {
		return
	}
	if g := w.a.globalBase(sel.X, true); g != nil {
		callee.onGlobal = append(callee.onGlobal, g)
		return
	}
	if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok && w.fn.recv != nil && w.a.info.Uses[id] == w.fn.recv {
		w.fn.recvCalls = append(w.fn.recvCalls, callee)
	}
}

func (w *walker) callee(fun ast.Expr) *fnode {
	var obj types.Object
	switch f := fun.(type) {
	case *ast.Ident:
		obj = w.a.info.Uses[f]
	case *ast.SelectorExpr:
		if sel, ok := w.a.info.Selections[f]; ok {
			if sel.Kind() != types.MethodVal {
				return nil
			}
			obj = sel.Obj()
		} else {
			obj = w.a.info.Uses[f.Sel]
		}
	case *ast.IndexExpr:
		return w.callee(ast.Unparen(f.X))
	case *ast.IndexListExpr:
		return w.callee(ast.Unparen(f.X))
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		return nil
	}
	return w.a.byObj[fn.Origin()]
}

// syncMapCall: check-then-act on a sync.Map (Load, then Store of the same key).
func (w *walker) syncMapCall(sel *ast.SelectorExpr, c *ast.CallExpr, st lockState) {
	if len(c.Args) == 0 {
		return
	}
	recv := types.ExprString(sel.X)
	k := recv + "\x00" + types.ExprString(c.Args[0])
	switch sel.Sel.Name {
	case "Load":
		if w.loads == nil {
			w.loads = map[string]loadSite{}
		}
		if _, ok := w.loads[k]; !ok {
			w.loads[k] = loadSite{pos: c.Pos(), locks: st.clone()}
		}
		if w.taint == nil {
			w.taint = map[types.Object]string{}
		}
		for _, o := range w.lhsPending {
			w.taint[o] = k
		}
	case "LoadOrStore", "LoadAndDelete", "Delete", "Swap", "CompareAndSwap", "CompareAndDelete":
		delete(w.loads, k) // an atomic step on the key: what follows acts on its result
	case "Store":
		l, ok := w.loads[k]
		if !ok {
			return
		}
		delete(w.loads, k)
		if w.fn.wildcard || sameCriticalSection(l.locks, st) {
			return // the Load and the Store run under one mutex: no other writer between
		}
		line := w.a.place(l.pos, c.Pos())
		if len(c.Args) == 2 && w.tainted(c.Args[1]) == k {
			w.a.add("GM004", c.Pos(), fmt.Sprintf(
				"read-modify-write on sync.Map %s: the value stored is computed from the Load "+
					"at %s; a Store by another goroutine in between is lost — loop on "+
					"CompareAndSwap (or use LoadOrStore)", recv, line),
				w.a.related(l.pos, "the Load"))
			return
		}
		w.a.add("GM004", c.Pos(), fmt.Sprintf(
			"check-then-act on sync.Map %s: Load at %s, then Store of the same key; two "+
				"goroutines can both miss and both Store, the later one wins — use LoadOrStore "+
				"(harmless only if the value is a pure function of the key)", recv, line),
			w.a.related(l.pos, "the Load"))
		f := &w.a.findings[len(w.a.findings)-1]
		f.Level = "note"
	}
}

// sameCriticalSection: one lock is held in write mode at both points, unreleased between.
func sameCriticalSection(a, b lockState) bool {
	for k, v := range a {
		if v.mode != writeMode {
			continue
		}
		if u, ok := b[k]; ok && u.mode == writeMode && u.section == v.section {
			return true
		}
	}
	return false
}

// --- goroutines -------------------------------------------------------------------

func (w *walker) goStmt(s *ast.GoStmt, st lockState) {
	c := s.Call
	for _, arg := range c.Args {
		w.expr(arg, st)
	}
	r := w.startGoroutines(c.Fun, st, s.Go, "")
	if r == nil {
		return
	}
	// go worker(m) in a loop, m declared outside it: every instance gets the same map
	params := w.a.paramObjects(r)
	for i, arg := range c.Args {
		id, ok := ast.Unparen(arg).(*ast.Ident)
		if !ok || i >= len(params) || params[i] == nil {
			continue
		}
		v, ok := w.a.info.Uses[id].(*types.Var)
		if !ok {
			continue
		}
		if _, isMap := v.Type().Underlying().(*types.Map); !isMap {
			continue
		}
		shared := v.Parent() == w.a.pkg.Scope()
		for _, l := range w.loops {
			if n := w.a.loopNode[l]; n != nil && !(v.Pos() >= n.Pos() && v.Pos() < n.End()) {
				shared = true
			}
		}
		if shared {
			r.sharedParams[params[i]] = true
		}
	}
}

// startGoroutine: f (a func literal or a package function) runs in a new goroutine.
func (w *walker) startGoroutine(f ast.Expr, st lockState, pos token.Pos) {
	w.startGoroutines(f, st, pos, "")
}

// startGoroutines: like startGoroutine; kind != "": an entry point that a library
// runs many times at once ("the HTTP handler registered").
// It returns the goroutine's function when it is one of the package's.
func (w *walker) startGoroutines(f ast.Expr, st lockState, pos token.Pos, kind string) *fnode {
	f = ast.Unparen(f)
	sp := spawn{from: w.fn, seq: w.tick(), loops: w.loopsCopy(), pos: pos, many: kind != "", kind: kind}
	if lit, ok := f.(*ast.FuncLit); ok {
		r := w.a.newFn(w.fn.name + ".func")
		r.lit, r.body, r.isRoot = lit, lit.Body, true
		r.inTest = w.fn.inTest
		r.recv, r.recvT = w.fn.recv, w.fn.recvT
		r.spawns = []spawn{sp}
		r.isInit = false
		w.roots = append(w.roots, r)
		return r
	}
	if sel, ok := f.(*ast.SelectorExpr); ok {
		w.expr(sel.X, st)
	}
	if sel, ok := f.(*ast.SelectorExpr); ok {
		sp.ownVal = w.freshBase(sel.X)
		if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
			if v, ok := w.a.info.Uses[id].(*types.Var); ok && v.Parent() != w.a.pkg.Scope() {
				sp.recvPos = v.Pos()
			}
		}
	}
	if callee := w.callee(f); callee != nil {
		w.noteReceiver(callee, f) // go G.m(): the goroutine accesses G's fields
		callee.isRoot = true
		callee.spawns = append(callee.spawns, sp)
		return callee
	}
	w.expr(f, st)
	return nil
}

// classify decides how x's map expression m names a map value (see groupMode).
func (w *walker) classify(x *access, m ast.Expr) {
	v, ok := x.key.(*types.Var)
	if !ok {
		return
	}
	if !v.IsField() {
		if v.Parent() == w.a.pkg.Scope() {
			x.mode = global
		} else {
			x.mode, x.declPos = lexical, v.Pos()
		}
		return
	}
	x.field = true
	// a field: find the variable at the left end of the selector chain
	e := ast.Unparen(m)
	for {
		switch y := e.(type) {
		case *ast.SelectorExpr:
			e = ast.Unparen(y.X)
			continue
		case *ast.StarExpr:
			e = ast.Unparen(y.X)
			continue
		}
		break
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return
	}
	base, ok := w.a.info.Uses[id].(*types.Var)
	if !ok {
		return
	}
	if g := w.a.aliases[base]; g != nil {
		base = g
	}
	switch {
	case base.Parent() == w.a.pkg.Scope():
		x.mode, x.key = global, w.a.pairKey(base, v)
	case w.fn.recv != nil && base == w.fn.recv:
		x.mode, x.recvT, x.viaRecv = receiver, w.fn.recvT, true
	default:
		// reached through a pointer (client.hub.clients, p.m with p *T): the value may be
		// shared with the methods of its type; a local struct value is not
		if sel, ok := ast.Unparen(m).(*ast.SelectorExpr); ok {
			if t := w.a.typeOf(sel.X); t != nil {
				if _, isPtr := t.Underlying().(*types.Pointer); isPtr && namedOf(t) != nil {
					x.mode, x.recvT = receiver, namedOf(t)
					return
				}
			}
		}
		x.mode, x.declPos, x.key = lexical, base.Pos(), w.a.pairKey(base, v)
	}
}

// wrapperEffect: e calls a package function that only takes or releases a lock.
func (w *walker) wrapperEffect(e ast.Expr) *lockEffect {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return nil
	}
	if f := w.callee(ast.Unparen(call.Fun)); f != nil && f.effect != nil {
		return f.effect
	}
	return nil
}

// tainted: the Load key whose result e uses ("" if none).
func (w *walker) tainted(e ast.Expr) string {
	if len(w.taint) == 0 || e == nil {
		return ""
	}
	k := ""
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && k == "" {
			if obj := w.a.info.Uses[id]; obj != nil {
				k = w.taint[obj]
			}
		}
		return k == ""
	})
	return k
}

// drainKey names the map for check 6: a field by itself (whatever variable it is
// reached through), except a field of a package-level variable.
func (x *access) drainKey() types.Object {
	if x.mode == global {
		return x.key
	}
	return x.obj
}

// isHTTPRegistration: net/http's HandleFunc or Handle (package function or ServeMux method).
func (w *walker) isHTTPRegistration(fun ast.Expr) bool {
	var obj types.Object
	switch f := fun.(type) {
	case *ast.Ident:
		obj = w.a.info.Uses[f]
	case *ast.SelectorExpr:
		obj = w.a.info.Uses[f.Sel]
	}
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "net/http" {
		return false
	}
	return fn.Name() == "HandleFunc" || fn.Name() == "Handle"
}

// unconvert: f for a conversion T(f) (http.HandlerFunc(f)).
func (w *walker) unconvert(e ast.Expr) ast.Expr {
	e = ast.Unparen(e)
	if conv, ok := e.(*ast.CallExpr); ok && len(conv.Args) == 1 {
		if tv, ok := w.a.info.Types[conv.Fun]; ok && tv.IsType() {
			return w.unconvert(conv.Args[0])
		}
	}
	return e
}

// entryArgs: the call passes concurrency entry points (request handlers, callbacks of
// a registrar on the entry-point list) as arguments; they become goroutine roots that
// run concurrently with themselves. It walks the call and reports true when it did.
func (w *walker) entryArgs(c *ast.CallExpr, fun ast.Expr, st lockState) bool {
	if tv, ok := w.a.info.Types[fun]; ok && tv.IsType() {
		return false // a conversion: its operand is looked at where it is passed
	}
	kinds := make([]string, len(c.Args))
	found := false
	reg := ""
	for i, arg := range c.Args {
		h := w.unconvert(arg)
		if k := w.handlerKind(h); k != "" {
			kinds[i], found = k, true
			continue
		}
		if _, isLit := h.(*ast.FuncLit); !isLit && w.callee(h) == nil {
			continue
		}
		if reg == "" {
			reg = w.registrar(fun)
			if reg == "" {
				reg = "-"
			}
		}
		if entryPoints[reg] {
			kinds[i], found = "the callback registered with "+reg[strings.LastIndex(reg, "/")+1:], true
		}
	}
	if !found {
		return false
	}
	if sel, ok := fun.(*ast.SelectorExpr); ok {
		w.expr(sel.X, st)
	}
	for i, arg := range c.Args {
		if kinds[i] == "" {
			w.expr(arg, st)
			continue
		}
		w.startGoroutines(w.unconvert(arg), st, c.Pos(), kinds[i])
	}
	if callee := w.callee(fun); callee != nil {
		callee.calls = append(callee.calls, callSite{from: w.fn, seq: w.tick(),
			loops: w.loopsCopy(), locks: st.clone()})
	}
	return true
}

// noteAlias: v := &G, v := G (G a package-level variable of pointer type) make v name
// G's object; r := pkg.NewRouter() records the package r's type comes from.
func (w *walker) noteAlias(l, r ast.Expr) {
	id, ok := l.(*ast.Ident)
	if !ok {
		return
	}
	v, ok := w.a.info.Defs[id].(*types.Var)
	if !ok {
		if v, ok = w.a.info.Uses[id].(*types.Var); !ok || v.Parent() == w.a.pkg.Scope() {
			return
		}
	}
	if g := w.a.globalBase(r, false); g != nil {
		w.a.aliases[v] = g
		return
	}
	if call, ok := ast.Unparen(r).(*ast.CallExpr); ok {
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			if p := w.a.pkgPathOfIdent(sel.X); p != "" {
				w.a.varPkg[v] = p
			}
		}
	}
}

// globalBase: the package-level variable e denotes as an object: G, &G, or a local
// alias of one.
func (a *analysis) globalBase(e ast.Expr, call bool) *types.Var {
	e = ast.Unparen(e)
	addr := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e, addr = ast.Unparen(u.X), true
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := a.info.Uses[id].(*types.Var)
	if !ok {
		return nil
	}
	if g := a.aliases[v]; g != nil && !addr {
		return g
	}
	if v.Parent() != a.pkg.Scope() {
		return nil
	}
	if _, isPtr := v.Type().Underlying().(*types.Pointer); isPtr || addr || call {
		return v // call: G.m() with a pointer receiver takes &G
	}
	return nil // s := G copies the value
}

// lockedCall: withLock(lk, func() {...}) where withLock locks its first argument
// around a call of its function argument: the closure runs under that lock.
func (w *walker) lockedCall(c *ast.CallExpr, callee *fnode, st lockState) bool {
	u := callee.underLock
	if len(c.Args) <= u[0] || len(c.Args) <= u[1] {
		return false
	}
	lit, ok := ast.Unparen(c.Args[u[1]]).(*ast.FuncLit)
	if !ok {
		return false
	}
	key := w.lockOfValue(c.Args[u[0]])
	if key == nil {
		return false
	}
	for i, arg := range c.Args {
		if i != u[1] {
			w.expr(arg, st)
		}
	}
	in := st.clone()
	w.a.section++
	in[key] = held{mode: writeMode, section: w.a.section, base: baseText(ast.Unparen(c.Args[u[0]]))}
	w.block(lit.Body.List, in)
	callee.calls = append(callee.calls, callSite{from: w.fn, seq: w.tick(), loops: w.loopsCopy(), locks: st.clone()})
	return true
}

// lockOfValue: the lock key that e.Lock() would take (e a mutex, &mu, or a value
// with an embedded mutex).
func (w *walker) lockOfValue(e ast.Expr) types.Object {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	t := w.a.typeOf(e)
	if t == nil {
		return nil
	}
	if isNamed(t, "sync", "Mutex") || isNamed(t, "sync", "RWMutex") {
		obj, _ := w.canon(e)
		return obj
	}
	_, idx, _ := types.LookupFieldOrMethod(t, true, w.a.pkg, "Lock")
	if len(idx) < 2 {
		return nil
	}
	var field *types.Var
	for _, i := range idx[:len(idx)-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return nil
		}
		field = st.Field(i)
		t = field.Type()
	}
	if field == nil {
		return nil
	}
	return field
}
