package main

// The analysis of one type-checked package.
//
// One walk per function body records every map access (read, write, range) with the
// mutexes held at that point (Lock/Unlock pairs in statement order, defer Unlock,
// RLock as read mode, branches merged by intersection, loops balanced, lock wrapper
// functions), every call to a function of the same package with the locks held
// there, every goroutine start (go statement, X.Go(func), time.AfterFunc, HTTP
// handlers) and every join point (channel receive, select, X.Wait()). Then:
//
//   - the locks a function is entered with are the intersection over its call
//     sites (none for exported, go-started or unreferenced functions; "any" for
//     functions named ...Locked or documented as called with the lock held);
//   - the goroutines a function may run in are propagated along calls from the
//     roots (each goroutine start) and from MAIN (code not started by a goroutine
//     start of this package);
//   - two accesses of one map race when they may run in different goroutines (or
//     in two instances of a goroutine started in a loop, from two places, by an
//     exported function or per HTTP request), at least one writes, and no mutex is
//     held by both (the writer in write mode).
//
// Which accesses name one map value (groupMode): a package-level variable is one
// value; a local variable is one per invocation of the function declaring it (its
// closures share it); a field reached through a receiver or a pointer is one per
// struct type, the deliberate approximation every such checker makes; a field of
// a local struct value belongs to that variable.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"
)

type lockMode int

const (
	readMode lockMode = 1 + iota
	writeMode
)

type held struct {
	mode    lockMode
	section int
	base    string // the lock's receiver base ("c" for c.mu.Lock()), for GM003
}

type lockState map[types.Object]held

func (s lockState) clone() lockState {
	c := make(lockState, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

// anyLock stands for "some lock the caller holds" (functions named ...Locked).
var anyLock = types.NewVar(token.NoPos, nil, "<any lock>", nil)

type accKind int

const (
	aRead accKind = iota
	aWrite
	aRange
)

type access struct {
	key     types.Object
	kind    accKind
	what    string
	name    string // the map expression as written
	keyText string // the index expression of m[k] (check-then-act)
	pos     token.Pos
	fn      *fnode
	seq     int
	loops   []int
	locks   lockState
	fresh   bool
	mode    groupMode
	declPos token.Pos       // lexical: where the variable (or the struct's variable) is declared
	recvT   *types.TypeName // receiver: the receiver's type
	base    string          // baseText of the map expression
	field   bool            // the map is a struct field (of any variable)
	obj     types.Object    // the variable or field itself (key may be a (variable, field) pair)
	viaRecv bool            // reached through the method's own receiver (c.m in func (c *T))
}

// groupMode says which accesses of one map can name the same map value.
type groupMode int

const (
	untracked groupMode = iota
	global              // a package-level variable (or a field of one): one value, everywhere
	lexical             // a local variable (or a field of one): this invocation and its closures
	receiver            // a field reached through a method's receiver: one value per receiver
)

type spawn struct {
	from    *fnode
	seq     int
	loops   []int
	pos     token.Pos
	recvPos token.Pos // go v.m(): where the local variable v is declared
	many    bool      // one start, many concurrent runs (an HTTP handler)
	ownVal  bool      // go v.m() on a value v the starting function just allocated
	kind    string    // an entry point: "the HTTP handler registered", ... ("" = a go statement)
}

// lockEffect: a function that only takes (or only releases) a lock, like
// func lockProfiles() { profiles.mu.Lock() }.
type lockEffect struct {
	key  types.Object
	op   string
	base string
}

type joinPt struct {
	seq   int
	loops []int
}

type callSite struct {
	fresh bool // a method called on a value the caller just allocated (not shared yet)
	from  *fnode
	seq   int
	loops []int
	locks lockState
}

const mainCtx = -1

type fnode struct {
	id       int
	name     string
	decl     *ast.FuncDecl
	lit      *ast.FuncLit
	body     *ast.BlockStmt
	spawns   []spawn
	isRoot   bool
	multi    bool
	exposed  bool
	isInit   bool
	wildcard bool
	recv     types.Object // the receiver of the (enclosing) method
	effect   *lockEffect
	ownsRecv bool            // started once per loop iteration on that iteration's value
	recvT    *types.TypeName // its type
	calls    []callSite      // calls of this function from the package
	joins    []joinPt
	ctx      map[int]bool
	entry    lockState
	entryTop bool
	fresh    map[types.Object]bool
	// parameters that receive the same map in every instance of this goroutine
	sharedParams map[types.Object]bool
	onGlobal     []*types.Var // a method called on these package-level variables
	recvCalls    []*fnode     // methods this method calls on its own receiver
	quiet        bool         // in a _test.go file, in a test that starts no goroutine
	inTest       bool         // declared in a _test.go file
	underLock    []int        // withLock(lk, fn): [index of lk, index of fn] (lk.Lock(); defer lk.Unlock(); fn())
	isDescribe   bool         // a prometheus.Collector's Describe: runs at registration
	isCollect    bool         // its Collect: runs on every scrape
}

type analysis struct {
	fset     *token.FileSet
	pkg      *types.Package
	info     *types.Info
	files    []*ast.File
	funcs    []*fnode
	byObj    map[*types.Func]*fnode
	accesses map[types.Object][]*access
	order    []types.Object
	findings []Finding
	loopID   int
	loopNode map[int]ast.Node
	section  int
	synth    map[string]types.Object
	pairs    map[[2]types.Object]*types.Var
	pairGlob map[types.Object]bool
	owners   map[*types.Var]*types.Struct
	valueUse map[*types.Func]bool
	drain    map[types.Object]*drainInfo
	testFile map[*token.File]bool
	aliases  map[*types.Var]*types.Var // local variable -> the package-level variable it points to
	varPkg   map[*types.Var]string     // local variable -> import path of the call that made it
	ctors    map[*types.Func]bool      // constructors: functions returning a value they allocate
}

type drainInfo struct {
	deleteInLoop token.Pos
	inserts      int
	rebuilds     int
}

func newAnalysis(fset *token.FileSet, pkg *types.Package, info *types.Info, files []*ast.File) *analysis {
	a := &analysis{fset: fset, pkg: pkg, info: info, files: files,
		byObj: map[*types.Func]*fnode{}, accesses: map[types.Object][]*access{},
		synth: map[string]types.Object{}, valueUse: map[*types.Func]bool{},
		drain: map[types.Object]*drainInfo{}, testFile: map[*token.File]bool{},
		loopNode: map[int]ast.Node{}, pairs: map[[2]types.Object]*types.Var{},
		pairGlob: map[types.Object]bool{}, aliases: map[*types.Var]*types.Var{},
		varPkg: map[*types.Var]string{}}
	return a
}

func (a *analysis) newFn(name string) *fnode {
	f := &fnode{id: len(a.funcs), name: name, ctx: map[int]bool{}, fresh: map[types.Object]bool{},
		sharedParams: map[types.Object]bool{}}
	a.funcs = append(a.funcs, f)
	return f
}

func (a *analysis) run() []Finding {
	// Declared functions first, so calls can be resolved while walking.
	type pending struct {
		fn   *fnode
		file *ast.File
	}
	var decls []pending
	grpc := a.grpcServiceTypes()
	for _, file := range a.files {
		tf := a.fset.File(file.Pos())
		if tf != nil && strings.HasSuffix(tf.Name(), "_test.go") {
			a.testFile[tf] = true
		}
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			obj, _ := a.info.Defs[fd.Name].(*types.Func)
			f := a.newFn(fd.Name.Name)
			f.decl, f.body = fd, fd.Body
			if fd.Recv != nil && len(fd.Recv.List) == 1 && len(fd.Recv.List[0].Names) == 1 {
				f.recv = a.info.Defs[fd.Recv.List[0].Names[0]]
				if f.recv != nil {
					f.recvT = namedOf(f.recv.Type())
				}
			}
			f.isInit = fd.Recv == nil && fd.Name.Name == "init"
			lower := strings.ToLower(fd.Name.Name)
			f.wildcard = strings.HasSuffix(lower, "locked") && !strings.HasSuffix(lower, "unlocked") ||
				documentsHeldLock(fd.Doc)
			if obj != nil {
				a.byObj[obj] = f
				// package main's exported names cannot be called from elsewhere
				f.exposed = obj.Exported() && a.pkg.Name() != "main" || fd.Name.Name == "main"
				kind := ""
				switch {
				case isServeHTTP(obj):
					// net/http runs a handler in one goroutine per request
					kind = "the HTTP handler method declared"
				case a.isCollectorMethod(fd):
					kind = "the Prometheus collector method declared"
				case f.recvT != nil && grpc[f.recvT] && obj.Exported():
					kind = "the gRPC method declared"
				}
				f.isCollect = kind == "the Prometheus collector method declared"
				f.isDescribe = fd.Name.Name == "Describe" && a.isDescribeMethod(fd)
				if kind != "" {
					f.isRoot = true
					f.spawns = append(f.spawns, spawn{from: f, pos: fd.Pos(), many: true, kind: kind})
				}
			}
			decls = append(decls, pending{f, file})
		}
	}
	a.findValueUses()
	a.findConstructors()
	for _, p := range decls {
		a.findLockEffect(p.fn)
		p.fn.underLock = lockWrapper(p.fn.decl)
		if tf := a.fset.File(p.fn.decl.Pos()); tf != nil && a.testFile[tf] {
			p.fn.quiet, p.fn.inTest = !startsConcurrency(p.fn.decl), true
		}
	}
	queue := make([]*fnode, 0, len(decls))
	for _, p := range decls {
		queue = append(queue, p.fn)
	}
	for i := 0; i < len(queue); i++ {
		f := queue[i]
		w := &walker{a: a, fn: f}
		w.walkBody(f.body, lockState{})
		queue = append(queue, w.roots...)
	}
	a.scrapeRoots()
	a.solve()
	a.globalReceivers()
	a.checkRaces()
	a.checkDrain()
	return a.findings
}

// findValueUses marks package functions referenced other than by a direct call:
// they can be called from anywhere, with any locks.
func (a *analysis) findValueUses() {
	called := map[*ast.Ident]bool{}
	for _, file := range a.files {
		ast.Inspect(file, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				switch fun := ast.Unparen(c.Fun).(type) {
				case *ast.Ident:
					called[fun] = true
				case *ast.SelectorExpr:
					called[fun.Sel] = true
				case *ast.IndexExpr: // generic instantiation f[T](...)
					if id, ok := fun.X.(*ast.Ident); ok {
						called[id] = true
					}
				}
			}
			return true
		})
	}
	for id, obj := range a.info.Uses {
		if fn, ok := obj.(*types.Func); ok && !called[id] {
			a.valueUse[fn.Origin()] = true
		}
	}
}

// --- solving: entry locks and goroutine contexts ---------------------------------

func (a *analysis) solve() {
	for _, f := range a.funcs {
		if f.decl != nil {
			if obj, ok := a.info.Defs[f.decl.Name].(*types.Func); ok && a.valueUse[obj] {
				f.exposed = true
			}
			if len(f.calls) == 0 && len(f.spawns) == 0 {
				f.exposed = true
			}
		}
	}
	for _, f := range a.funcs {
		f.ownsRecv = f.decl != nil && f.recv != nil && len(f.spawns) > 0
		for _, s := range f.spawns {
			if !s.recvPos.IsValid() || len(s.loops) == 0 {
				f.ownsRecv = false
				continue
			}
			for _, id := range s.loops {
				if n := a.loopNode[id]; n == nil || !(s.recvPos >= n.Pos() && s.recvPos < n.End()) {
					f.ownsRecv = false
				}
			}
		}
	}
	for _, f := range a.funcs {
		// started in a loop, from two places, or by an exported function (which its
		// callers may call again while the first goroutine still runs)
		f.multi = f.multi || len(f.spawns) > 1
		for _, s := range f.spawns {
			// (a constructor starting one goroutine on the value it makes starts a new
			// goroutine per value, not a second one on the same value)
			if s.many || len(s.loops) > 0 || s.from.decl != nil && s.from.exposed && !s.ownVal &&
				s.from.decl.Name.Name != "main" {
				f.multi = true
			}
		}
		switch {
		case f.wildcard:
			f.entry = lockState{anyLock: {mode: writeMode}}
		case f.exposed || f.isRoot || f.isInit:
			f.entry = lockState{}
		default:
			f.entryTop = true
		}
	}
	// Entry locks: greatest fixpoint of the intersection over call sites.
	for changed := true; changed; {
		changed = false
		for _, f := range a.funcs {
			if f.wildcard || f.exposed || f.isRoot || f.isInit || len(f.calls) == 0 {
				continue
			}
			var acc lockState
			top := true
			for _, c := range f.calls {
				if c.from.entryTop || c.fresh || c.from.inTest {
					continue // a test calling internals directly says nothing about their locks
				}
				eff := c.locks.clone()
				for k, v := range c.from.entry {
					if _, ok := eff[k]; !ok {
						eff[k] = v
					}
				}
				if top {
					acc, top = eff, false
					continue
				}
				for k, v := range acc {
					if w, ok := eff[k]; !ok || w.mode < v.mode {
						if ok {
							acc[k] = held{mode: w.mode, section: v.section}
						} else {
							delete(acc, k)
						}
					}
				}
			}
			if top {
				continue
			}
			if f.entryTop || len(acc) != len(f.entry) {
				f.entry, f.entryTop, changed = acc, false, true
			}
		}
	}
	for _, f := range a.funcs {
		if f.entryTop { // only called from functions never reached: assume nothing
			f.entry, f.entryTop = lockState{}, false
		}
	}
	// Contexts: roots run in themselves; exposed functions in MAIN; callees inherit.
	for _, f := range a.funcs {
		if f.isRoot {
			f.ctx[f.id] = true
		}
		if f.decl != nil && f.exposed && !f.isInit {
			f.ctx[mainCtx] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, f := range a.funcs {
			for _, c := range f.calls {
				for id := range c.from.ctx {
					if !f.ctx[id] {
						f.ctx[id] = true
						changed = true
					}
				}
			}
		}
	}
	// A goroutine started by a goroutine that runs many times runs many times.
	for changed := true; changed; {
		changed = false
		for _, f := range a.funcs {
			if f.multi || !f.isRoot {
				continue
			}
			for _, s := range f.spawns {
				if s.ownVal {
					continue // each run of the starter starts it on a value of its own
				}
				for id := range s.from.ctx {
					if id != mainCtx && a.funcs[id].multi {
						f.multi, changed = true, true
					}
				}
			}
		}
	}
}

// --- race checks ------------------------------------------------------------------

func (a *analysis) effLocks(x *access) lockState {
	if len(x.fn.entry) == 0 {
		return x.locks
	}
	eff := x.locks.clone()
	for k, v := range x.fn.entry {
		if _, ok := eff[k]; !ok {
			eff[k] = v
		}
	}
	return eff
}

// protected: some mutex is held by both, by the writer w in write mode.
func protected(lw, lb lockState) bool {
	if _, ok := lw[anyLock]; ok {
		return true
	}
	if _, ok := lb[anyLock]; ok {
		return true
	}
	for k, v := range lw {
		if v.mode != writeMode {
			continue
		}
		if _, ok := lb[k]; ok {
			return true
		}
	}
	return false
}

// readShared: the writer holds a lock in read mode that the other side holds too
// (check GM003 reports this write; the race checks leave it to it).
func readShared(lw, lb lockState) bool {
	for k, v := range lw {
		if v.mode == readMode {
			if _, ok := lb[k]; ok {
				return true
			}
		}
	}
	return false
}

func commonLoop(a, b []int) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func joinedBetween(f *fnode, lo, hi int) bool {
	for _, j := range f.joins {
		if j.seq > lo && j.seq < hi {
			return true
		}
	}
	return false
}

func joinedInLoop(f *fnode, after int, loops []int) bool {
	for _, j := range f.joins {
		if j.seq > after && commonLoop(j.loops, loops) {
			return true
		}
	}
	return false
}

// positionsIn gives the places (seq, loops) in function s at which access x happens:
// x itself if x is in s, or the call sites in s of x's function if every call of
// it is there (one level).
func positionsIn(x *access, s *fnode) ([]joinPt, bool) {
	if x.fn == s {
		return []joinPt{{x.seq, x.loops}}, true
	}
	return callPositionsIn(x.fn, s, 3)
}

// callPositionsIn: the places in s from which f is (transitively, up to depth
// calls deep) called, when every call of f comes from s that way.
func callPositionsIn(f, s *fnode, depth int) ([]joinPt, bool) {
	if f.decl == nil || f.exposed || len(f.calls) == 0 || f.isRoot || depth == 0 {
		return nil, false
	}
	var out []joinPt
	for _, c := range f.calls {
		if c.from == s {
			out = append(out, joinPt{c.seq, c.loops})
			continue
		}
		if c.from == f {
			return nil, false
		}
		pts, ok := callPositionsIn(c.from, s, depth-1)
		if !ok {
			return nil, false
		}
		out = append(out, pts...)
	}
	return out, true
}

// calleeJoined: root r is started and joined inside one call of a function f (a
// WaitGroup.Wait, errgroup Wait, channel receive or select after the start in f)
// that runs only in the goroutine cx of access x, and x's function is not f and is
// not called from f between the start and the join: x comes before or after that
// call of f, so it is ordered with r (the summary of f: its goroutines are joined
// before it returns).
func (a *analysis) calleeJoined(x *access, cx, rid int) bool {
	if rid == mainCtx || cx == rid {
		return false
	}
	r := a.funcs[rid]
	if len(r.spawns) == 0 {
		return false
	}
	for _, sp := range r.spawns {
		f := sp.from
		if sp.many || f == x.fn || f == r {
			return false
		}
		if len(f.ctx) != 1 || !f.ctx[cx] {
			return false
		}
		join := -1
		for _, j := range f.joins {
			if j.seq > sp.seq && (join < 0 || j.seq < join) {
				join = j.seq
			}
		}
		if join < 0 {
			return false
		}
		if pts, ok := positionsIn(x, f); ok {
			for _, p := range pts {
				if p.seq > sp.seq && p.seq < join {
					return false
				}
			}
		}
		for _, c := range x.fn.calls {
			if c.from == f && c.seq > sp.seq && c.seq < join {
				return false
			}
		}
	}
	return true
}

// apart: access x (outside root r) is ordered before r starts or after r is joined.
func (a *analysis) apart(x *access, rid int) bool {
	if rid == mainCtx {
		return false
	}
	r := a.funcs[rid]
	if r.isCollect && x.fn.isDescribe && x.fn.recvT == r.recvT {
		return true // the registry calls Describe at registration, before any Collect
	}
	if len(r.spawns) == 0 {
		return false
	}
	for _, sp := range r.spawns {
		pts, ok := positionsIn(x, sp.from)
		if !ok {
			return false
		}
		for _, p := range pts {
			if commonLoop(p.loops, sp.loops) {
				if !joinedInLoop(sp.from, sp.seq, sp.loops) {
					return false
				}
				continue
			}
			if p.seq > sp.seq && !joinedBetween(sp.from, sp.seq, p.seq) {
				return false
			}
		}
	}
	return true
}

// siblingsApart: two roots started one after the other by one function with a join between.
func (a *analysis) siblingsApart(r1, r2 int) bool {
	if r1 == mainCtx || r2 == mainCtx {
		return false
	}
	f1, f2 := a.funcs[r1], a.funcs[r2]
	if len(f1.spawns) != 1 || len(f2.spawns) != 1 {
		return false
	}
	s1, s2 := f1.spawns[0], f2.spawns[0]
	if s1.from != s2.from || commonLoop(s1.loops, s2.loops) {
		return false
	}
	lo, hi := s1.seq, s2.seq
	if lo > hi {
		lo, hi = hi, lo
	}
	return joinedBetween(s1.from, lo, hi)
}

func (a *analysis) concurrent(x, y *access) bool {
	var cx, cy map[int]bool
	switch x.mode {
	case global:
		cx, cy = x.fn.ctx, y.fn.ctx
	case receiver:
		if x.recvT != y.recvT {
			return false // reached from different types' methods: not known to be one value
		}
		cx, cy = a.recvCtx(x), a.recvCtx(y)
	case lexical:
		c1, c2 := a.lexCtx(x), a.lexCtx(y)
		if c1 == c2 {
			return c1 != mainCtx && a.lexMulti(a.funcs[c1], x.declPos)
		}
		return !(a.apart(x, c2) || a.apart(y, c1) || a.siblingsApart(c1, c2) ||
			a.calleeJoined(x, c1, c2) || a.calleeJoined(y, c2, c1))
	default:
		return false
	}
	for c1 := range cx {
		for c2 := range cy {
			if c1 == mainCtx && c2 == mainCtx {
				continue
			}
			if c1 == c2 {
				r := a.funcs[c1]
				if r.multi && (x.mode == global || x.fn == r && y.fn == r) {
					return true
				}
				continue
			}
			if a.apart(x, c2) || a.apart(y, c1) || a.siblingsApart(c1, c2) ||
				a.calleeJoined(x, c1, c2) || a.calleeJoined(y, c2, c1) {
				continue
			}
			return true
		}
	}
	return false
}

func (a *analysis) where(pos token.Pos) (string, int, int) {
	p := a.fset.Position(pos)
	return p.Filename, p.Line, p.Column
}

func (a *analysis) add(check string, pos token.Pos, msg string, rel ...Related) {
	file, line, col := a.where(pos)
	a.findings = append(a.findings, Finding{Check: check, File: file, Line: line, Col: col,
		Message: msg, Related: rel})
}

func (a *analysis) related(pos token.Pos, msg string) Related {
	file, line, col := a.where(pos)
	return Related{File: file, Line: line, Col: col, Message: msg}
}

// rootOf: a goroutine (or entry point) access x may run in, the first by id.
func (a *analysis) rootOf(x *access) *fnode {
	best := -1
	for id := range x.fn.ctx {
		if id != mainCtx && len(a.funcs[id].spawns) > 0 && (best < 0 || id < best) {
			best = id
		}
	}
	if best < 0 {
		return nil
	}
	return a.funcs[best]
}

// startText: "the goroutine started at file.go:148" (or the entry point's kind).
func (a *analysis) startText(r *fnode, near token.Pos) string {
	sp := r.spawns[0]
	where := a.place(sp.pos, near)
	if sp.kind != "" {
		return fmt.Sprintf("%s at %s", sp.kind, where)
	}
	return "the goroutine started at " + where
}

func (a *analysis) goroutineOf(x *access) string {
	if r := a.rootOf(x); r != nil {
		return a.startText(r, x.pos)
	}
	return "another goroutine"
}

// place: "file.go:148", with the file's path as given when it is in another folder
// than the position near (the finding's).
func (a *analysis) place(pos, near token.Pos) string {
	file, line, _ := a.where(pos)
	nf, _, _ := a.where(near)
	if filepath.Dir(file) == filepath.Dir(nf) {
		file = filepath.Base(file)
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// raceContext: the related location of the goroutine or entry point access x runs
// in, and the flow from it to x (SARIF codeFlows).
func (a *analysis) raceContext(f *Finding, x, other *access) {
	for _, acc := range []*access{x, other} {
		r := a.rootOf(acc)
		if r == nil {
			continue
		}
		sp := r.spawns[0]
		msg := "goroutine started here"
		if sp.kind != "" {
			msg = strings.TrimPrefix(sp.kind, "the ") + " here: it runs concurrently with itself"
		}
		start := a.related(sp.pos, msg)
		f.Related = append(f.Related, start)
		if acc == x {
			f.Flow = []Related{start, a.related(x.pos, fmt.Sprintf("%s %s", x.what, x.name))}
		}
		break
	}
}

func (a *analysis) checkRaces() {
	for _, accs := range a.accesses {
		for _, x := range accs {
			if x.mode == lexical && x.fn.sharedParams[x.key] {
				x.mode = global // one map behind the parameter of every instance
			}
		}
	}
	for _, key := range a.order {
		accs := a.accesses[key]
		eff := make([]lockState, len(accs))
		for i, x := range accs {
			eff[i] = a.effLocks(x)
		}
		guard := a.lockedWrite(accs, eff)
		var mixed map[*fnode]bool
		if guard != nil {
			mixed = a.mixedLocking(accs, eff, guard)
		}
		apiRace := func(x, y *access) bool {
			return guard != nil && (mixed[x.fn] || mixed[y.fn]) && a.apiShared(x, y)
		}
		for i, w := range accs {
			if w.kind != aWrite || w.fresh || a.quietAcc(w) {
				continue
			}
			for j, b := range accs {
				if b.kind == aRange || b.fresh || a.quietAcc(b) {
					continue
				}
				if protected(eff[i], eff[j]) || readShared(eff[i], eff[j]) {
					continue
				}
				api := false
				if !a.concurrent(w, b) || a.setupBeforeStart(w, b, eff[i]) ||
					a.setupBeforeStart(b, w, eff[j]) {
					if api = apiRace(w, b); !api {
						continue
					}
				}
				var rel Related
				if i == j {
					rel = a.related(w.pos, "the same write, in another instance of "+a.goroutineOf(w))
				} else {
					rel = a.related(b.pos, fmt.Sprintf("%s %s here", b.what, b.name))
				}
				other := a.otherSide(w, b)
				if api {
					other = fmt.Sprintf("another call of the package's API (the map is written "+
						"under %s elsewhere, so it is shared)", guard.Name())
				}
				a.add("GM001", w.pos, fmt.Sprintf(
					"map %s is written here (%s %s) while %s may access it with no common mutex held",
					w.name, w.what, w.name, other), rel)
				a.raceContext(&a.findings[len(a.findings)-1], w, b)
				break
			}
		}
		for i, r := range accs {
			if r.kind != aRange || r.fresh || a.quietAcc(r) {
				continue
			}
			for j, w := range accs {
				if w.kind != aWrite || w.fresh || a.quietAcc(w) {
					continue
				}
				if protected(eff[j], eff[i]) || readShared(eff[j], eff[i]) {
					continue
				}
				other := ""
				if !a.concurrent(w, r) || a.setupBeforeStart(w, r, eff[j]) ||
					a.setupBeforeStart(r, w, eff[i]) {
					if !apiRace(w, r) {
						continue
					}
					other = fmt.Sprintf("another call of the package's API (the map is written "+
						"under %s elsewhere, so it is shared)", guard.Name())
				} else {
					other = a.otherSide(r, w)
				}
				a.add("GM002", r.pos, fmt.Sprintf(
					"range over map %s may run while %s writes it (%s %s) with no common mutex held",
					r.name, other, w.what, w.name),
					a.related(w.pos, fmt.Sprintf("%s %s here", w.what, w.name)))
				a.raceContext(&a.findings[len(a.findings)-1], r, w)
				break
			}
		}
		for i, w := range accs {
			if w.kind != aWrite || w.fresh || !(w.field || longLived(a, key)) {
				continue
			}
			var rlocked []string
			anyWrite := false
			for k, v := range eff[i] {
				if v.mode == writeMode {
					anyWrite = true
				} else if v.base == w.base {
					rlocked = append(rlocked, k.Name())
				}
			}
			if len(rlocked) > 0 && !anyWrite {
				a.add("GM003", w.pos, fmt.Sprintf(
					"map %s is written (%s %s) while holding only %s.RLock: readers hold it together, "+
						"so this write can race with them and with other writers",
					w.name, w.what, w.name, rlocked[0]))
			}
		}
	}
}

func (a *analysis) otherSide(self, other *access) string {
	if self.fn == other.fn && self != other {
		return "another instance of this goroutine"
	}
	if other.fn.ctx[mainCtx] && len(other.fn.ctx) == 1 {
		if self.fn.ctx[mainCtx] {
			return "another goroutine"
		}
		return "code outside this goroutine"
	}
	if r := a.rootOf(other); r != nil {
		return a.startText(r, self.pos)
	}
	return "another goroutine"
}

// longLived: a package-level variable, a struct field, or a field of a package-level variable.
func longLived(a *analysis, key types.Object) bool {
	v, ok := key.(*types.Var)
	return ok && (v.IsField() || v.Parent() == a.pkg.Scope() || a.pairGlob[key])
}

// pairKey names field f of variable base (a map reached as base.f or base.x.f).
func (a *analysis) pairKey(base, f *types.Var) types.Object {
	k := [2]types.Object{base, f}
	if v, ok := a.pairs[k]; ok {
		return v
	}
	v := types.NewVar(f.Pos(), a.pkg, base.Name()+"."+f.Name(), f.Type())
	a.pairs[k] = v
	if base.Parent() == a.pkg.Scope() {
		a.pairGlob[v] = true
	}
	return v
}

// --- check 6: drained and refilled, never rebuilt ---------------------------------

func (a *analysis) checkDrain() {
	for _, key := range a.order {
		d := a.drain[key]
		if d == nil || d.deleteInLoop == token.NoPos || d.inserts == 0 || d.rebuilds > 0 {
			continue
		}
		v, ok := key.(*types.Var)
		if !ok || v.Pkg() != a.pkg || !longLived(a, key) || !key.Pos().IsValid() {
			continue
		}
		if v.IsField() && !a.guardedStruct(v) {
			continue // a struct without a mutex: not known to be shared or long-lived
		}
		if tf := a.fset.File(key.Pos()); tf == nil || a.testFile[tf] {
			continue
		}
		m, ok := v.Type().Underlying().(*types.Map)
		if !ok {
			continue
		}
		kt, ok1 := layoutType(m.Key(), 0)
		vt, ok2 := layoutType(m.Elem(), 0)
		what := "package-level map"
		if v.IsField() {
			what = "struct field map"
		}
		file, line, col := a.where(key.Pos())
		f := Finding{Check: "GM006", File: file, Line: line, Col: col, Message: fmt.Sprintf(
			"%s %s is drained by deletes and refilled but never rebuilt: a Go map never "+
				"shrinks, it keeps the buckets of its largest size", what, key.Name()),
			Map:     key.Name(),
			Related: []Related{a.related(d.deleteInLoop, "deleted in a loop here")}}
		if ok1 && ok2 {
			f.KeyType, f.ValueType = kt, vt
			sizes := types.SizesFor("gc", "amd64")
			f.KeySize, f.ValueSize = sizes.Sizeof(m.Key()), sizes.Sizeof(m.Elem())
		}
		a.findings = append(a.findings, f)
	}
}

// layoutType spells t as a type expression gomap's layout parser reads: only the
// shape matters (sizes, pointers, equality), so named types are spelled out.
func layoutType(t types.Type, depth int) (string, bool) {
	if depth > 8 {
		return "", false
	}
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.UnsafePointer:
			return "unsafe.Pointer", true
		case types.Invalid:
			return "", false
		}
		if u.Info()&types.IsUntyped != 0 {
			return "", false
		}
		return u.Name(), true
	case *types.Pointer:
		return "*byte", true
	case *types.Slice:
		return "[]byte", true
	case *types.Map:
		return "map[int]int", true
	case *types.Chan:
		return "chan int", true
	case *types.Signature:
		return "func()", true
	case *types.Interface:
		if u.NumMethods() == 0 {
			return "any", true
		}
		return "error", true
	case *types.Array:
		e, ok := layoutType(u.Elem(), depth+1)
		return "[" + strconv.FormatInt(u.Len(), 10) + "]" + e, ok
	case *types.Struct:
		var parts []string
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			ft, ok := layoutType(f.Type(), depth+1)
			if !ok {
				return "", false
			}
			name := fmt.Sprintf("f%d", i)
			if f.Name() == "_" {
				name = "_"
			}
			parts = append(parts, name+" "+ft)
		}
		return "struct{" + strings.Join(parts, "; ") + "}", true
	}
	return "", false
}

// --- helpers on expressions --------------------------------------------------------

func (a *analysis) isMap(e ast.Expr) bool {
	tv, ok := a.info.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	_, ok = tv.Type.Underlying().(*types.Map)
	return ok
}

func isNamed(t types.Type, pkg, name string) bool {
	if t == nil {
		return false
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	return n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

func (a *analysis) typeOf(e ast.Expr) types.Type {
	if tv, ok := a.info.Types[e]; ok {
		return tv.Type
	}
	return nil
}

// canon names the variable or field an expression denotes; fresh when its base is
// a value this function just allocated (not yet shared with anyone).
func (w *walker) canon(e ast.Expr) (types.Object, bool) {
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.Ident:
		obj := w.a.info.Uses[x]
		if obj == nil {
			obj = w.a.info.Defs[x]
		}
		if v, ok := obj.(*types.Var); ok {
			return v, false
		}
	case *ast.SelectorExpr:
		if sel, ok := w.a.info.Selections[x]; ok {
			if sel.Kind() != types.FieldVal {
				return nil, false
			}
			return sel.Obj(), w.freshBase(x.X)
		}
		if v, ok := w.a.info.Uses[x.Sel].(*types.Var); ok {
			return v, false
		}
	case *ast.StarExpr:
		return w.canon(x.X)
	}
	return nil, false
}

func (w *walker) freshBase(e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch x := e.(type) {
	case *ast.Ident:
		obj := w.a.info.Uses[x]
		return obj != nil && w.fn.fresh[obj]
	case *ast.SelectorExpr:
		// a pointer field of a fresh value points at something older (client.hub)
		if t := w.a.typeOf(x); t != nil {
			if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
				return false
			}
		}
		return w.freshBase(x.X)
	case *ast.CompositeLit:
		return true
	}
	return false
}

func isAllocation(e ast.Expr, info *types.Info) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	switch x := e.(type) {
	case *ast.CompositeLit:
		return true
	case *ast.CallExpr:
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok {
			if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "new" {
				return true
			}
		}
	}
	return false
}

func (a *analysis) lockKey(w *walker, recv ast.Expr, sel *types.Selection) types.Object {
	idx := sel.Index()
	if len(idx) > 1 { // promoted through embedded fields: the last embedded field
		t := sel.Recv()
		var field *types.Var
		for _, i := range idx[:len(idx)-1] {
			if p, ok := t.Underlying().(*types.Pointer); ok {
				t = p.Elem()
			}
			st, ok := t.Underlying().(*types.Struct)
			if !ok {
				break
			}
			field = st.Field(i)
			t = field.Type()
		}
		if field != nil {
			return field
		}
	}
	obj, _ := w.canon(recv)
	if v, ok := obj.(*types.Var); ok && !v.IsField() && v.Parent() != a.pkg.Scope() {
		t := v.Type()
		if !isNamed(t, "sync", "Mutex") && !isNamed(t, "sync", "RWMutex") {
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if n, ok := types.Unalias(t).(*types.Named); ok {
				return n.Obj() // a receiver with its own Lock method: name the type
			}
		}
	}
	if obj != nil {
		return obj
	}
	text := types.ExprString(recv)
	if s, ok := a.synth[text]; ok {
		return s
	}
	s := types.NewVar(token.NoPos, nil, text, nil)
	a.synth[text] = s
	return s
}

func (a *analysis) record(x *access) {
	if x.key == nil {
		return
	}
	if _, ok := a.accesses[x.key]; !ok {
		a.order = append(a.order, x.key)
	}
	a.accesses[x.key] = append(a.accesses[x.key], x)
}

func (a *analysis) drainOf(key types.Object) *drainInfo {
	d := a.drain[key]
	if d == nil {
		d = &drainInfo{}
		a.drain[key] = d
		if _, ok := a.accesses[key]; !ok {
			a.order = append(a.order, key)
			a.accesses[key] = nil
		}
	}
	return d
}

func namedOf(t types.Type) *types.TypeName {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}

// lexCtx: the context of access x to a variable declared at p — a goroutine closure
// that captured it, or the invocation that declared it (ownerCtx).
func (a *analysis) lexCtx(x *access) int {
	f := x.fn
	if f.isRoot && f.lit != nil && !(x.declPos >= f.lit.Pos() && x.declPos < f.lit.End()) {
		return f.id
	}
	return mainCtx
}

// lexMulti: root r runs several times over one variable declared at p (started in a
// loop that does not also declare the variable afresh each time).
func (a *analysis) lexMulti(r *fnode, p token.Pos) bool {
	for _, s := range r.spawns {
		if s.many {
			return true
		}
		for _, id := range s.loops {
			n := a.loopNode[id]
			if n != nil && !(p >= n.Pos() && p < n.End()) {
				return true
			}
		}
	}
	return false
}

// recvCtx: the contexts of a receiver-based access, with goroutines that are not
// methods (or closures in methods) of the receiver's type counted as "any caller".
func (a *analysis) recvCtx(x *access) map[int]bool {
	out := map[int]bool{}
	for id := range x.fn.ctx {
		if id != mainCtx && a.funcs[id].recvT == x.recvT && !a.funcs[id].ownsRecv {
			out[id] = true
		} else {
			out[mainCtx] = true
		}
	}
	return out
}

// documentsHeldLock: a doc comment that says the caller holds a lock
// ("mu must be held", "called with c.mu held", "requires the lock").
func documentsHeldLock(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	t := strings.ToLower(doc.Text())
	for _, p := range []string{"must be held", "must hold", "must be locked", "lock held",
		"mu held", "with the lock", "holding the lock", "holds the lock", "requires the lock",
		"caller holds", "caller must lock", "is held", "locked by the caller"} {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// findLockEffect: f's body is a few statements whose only lock operations take one
// lock (or release one) and leave it so: calls of f then count as that operation.
func (a *analysis) findLockEffect(f *fnode) {
	if f.body == nil || len(f.body.List) == 0 || len(f.body.List) > 6 || f.decl == nil ||
		f.decl.Type.Results != nil {
		return
	}
	w := &walker{a: a, fn: f}
	var eff *lockEffect
	last := len(f.body.List) - 1
	for i, s := range f.body.List {
		if _, ok := s.(*ast.DeferStmt); ok {
			return
		}
		es, ok := s.(*ast.ExprStmt)
		if !ok {
			continue
		}
		key, op, base, ok := w.lockCallBase(es.X)
		if !ok {
			continue
		}
		if eff != nil {
			return // more than one lock operation: not a plain wrapper
		}
		acquire := op == "Lock" || op == "RLock"
		if acquire && i != 0 || !acquire && i != last {
			return
		}
		eff = &lockEffect{key: key, op: op, base: base}
	}
	f.effect = eff
}

// guardedStruct: field f belongs to a struct type of this package that has a
// sync.Mutex or sync.RWMutex field: a value shared between goroutines, which in
// practice lives long (a server, a pool, a cache).
func (a *analysis) guardedStruct(f *types.Var) bool {
	if a.owners == nil {
		a.owners = map[*types.Var]*types.Struct{}
		scope := a.pkg.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			st, ok := tn.Type().Underlying().(*types.Struct)
			if !ok {
				continue
			}
			for i := 0; i < st.NumFields(); i++ {
				a.owners[st.Field(i)] = st
			}
		}
	}
	st := a.owners[f]
	if st == nil {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		t := st.Field(i).Type()
		if isNamed(t, "sync", "Mutex") || isNamed(t, "sync", "RWMutex") {
			return true
		}
	}
	return false
}

// isServeHTTP: a method ServeHTTP(http.ResponseWriter, *http.Request).
func isServeHTTP(fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || fn.Name() != "ServeHTTP" || sig.Recv() == nil || sig.Params().Len() != 2 {
		return false
	}
	return isNamed(sig.Params().At(0).Type(), "net/http", "ResponseWriter") &&
		isNamed(sig.Params().At(1).Type(), "net/http", "Request")
}

// paramObjects: the parameters of f, in order (nil for blank or unnamed ones).
func (a *analysis) paramObjects(f *fnode) []types.Object {
	var ft *ast.FuncType
	switch {
	case f.decl != nil:
		ft = f.decl.Type
	case f.lit != nil:
		ft = f.lit.Type
	}
	if ft == nil || ft.Params == nil {
		return nil
	}
	var out []types.Object
	for _, field := range ft.Params.List {
		if len(field.Names) == 0 {
			out = append(out, nil)
		}
		for _, n := range field.Names {
			out = append(out, a.info.Defs[n])
		}
	}
	return out
}

// startsConcurrency: a test function that starts goroutines (go, X.Go) or runs
// parallel subtests (t.Parallel, b.RunParallel); the race checks apply to it.
func startsConcurrency(fd *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			found = true
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "Go", "Parallel", "RunParallel", "AfterFunc":
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// globalReceivers: a method called on a package-level variable G (directly, through
// &G or a local alias, or from another method called on G through its receiver)
// accesses G's fields: each receiver access is also an access of G.field.
func (a *analysis) globalReceivers() {
	for changed := true; changed; {
		changed = false
		for _, f := range a.funcs {
			for _, g := range f.onGlobal {
				for _, c := range f.recvCalls {
					if !containsVar(c.onGlobal, g) {
						c.onGlobal = append(c.onGlobal, g)
						changed = true
					}
				}
			}
		}
	}
	var clones []*access
	for _, key := range a.order {
		for _, x := range a.accesses[key] {
			if !x.viaRecv || len(x.fn.onGlobal) == 0 {
				continue
			}
			fv, ok := x.obj.(*types.Var)
			if !ok {
				continue
			}
			for _, g := range x.fn.onGlobal {
				y := *x
				y.key, y.mode, y.viaRecv, y.recvT = a.pairKey(g, fv), global, false, nil
				clones = append(clones, &y)
			}
		}
	}
	for _, y := range clones {
		a.record(y)
	}
}

func containsVar(vs []*types.Var, v *types.Var) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// quietAcc: an access in a _test.go file that runs only in a sequential test (no
// goroutine started by the test, no parallel subtests): not part of any race.
func (a *analysis) quietAcc(x *access) bool {
	if x.fn.isRoot {
		return false
	}
	tf := a.fset.File(x.pos)
	if tf == nil || !a.testFile[tf] {
		return false
	}
	for id := range x.fn.ctx {
		if id != mainCtx {
			return false
		}
	}
	return x.fn.quiet || x.fn.decl == nil || !startsConcurrency(x.fn.decl)
}

// findConstructors: package functions whose first result is a value they allocate
// (return &T{...}, new(T), or a local made so or by another such function) and that
// start no goroutine: what they return is not shared yet (v := newT() is fresh).
func (a *analysis) findConstructors() {
	a.ctors = map[*types.Func]bool{}
	for round := 0; round < 3; round++ {
		for _, file := range a.files {
			for _, d := range file.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil || fd.Type.Results == nil {
					continue
				}
				obj, ok := a.info.Defs[fd.Name].(*types.Func)
				if !ok || a.ctors[obj] {
					continue
				}
				if a.isConstructor(fd) {
					a.ctors[obj] = true
				}
			}
		}
	}
}

func (a *analysis) isConstructor(fd *ast.FuncDecl) bool {
	if t := a.typeOf(fd.Type.Results.List[0].Type); t == nil {
		return false
	} else if _, ok := t.Underlying().(*types.Pointer); !ok {
		return false
	}
	made := map[types.Object]bool{}
	ok, returns := true, 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			ok = false
		case *ast.CallExpr:
			if sel, isSel := ast.Unparen(n.Fun).(*ast.SelectorExpr); isSel && (sel.Sel.Name == "Go" || sel.Sel.Name == "AfterFunc") {
				ok = false
			}
		case *ast.AssignStmt:
			if len(n.Lhs) >= 1 && len(n.Rhs) == 1 {
				if id, isID := n.Lhs[0].(*ast.Ident); isID {
					obj := a.info.Defs[id]
					if obj == nil {
						obj = a.info.Uses[id]
					}
					if obj != nil && (isAllocation(n.Rhs[0], a.info) || a.freshCall(n.Rhs[0])) {
						made[obj] = true
					} else if obj != nil && n.Tok == token.ASSIGN {
						delete(made, obj)
					}
				}
			}
		case *ast.ReturnStmt:
			returns++
			if len(n.Results) == 0 {
				ok = false
				return false
			}
			r := ast.Unparen(n.Results[0])
			if id, isID := r.(*ast.Ident); isID {
				if id.Name == "nil" || made[a.info.Uses[id]] {
					return true
				}
				ok = false
				return false
			}
			if !isAllocation(r, a.info) && !a.freshCall(r) {
				ok = false
			}
		}
		return true
	})
	return ok && returns > 0
}

// freshCall: e calls a constructor of this package (see findConstructors).
func (a *analysis) freshCall(e ast.Expr) bool {
	c, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	var obj types.Object
	switch f := ast.Unparen(c.Fun).(type) {
	case *ast.Ident:
		obj = a.info.Uses[f]
	case *ast.IndexExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			obj = a.info.Uses[id]
		}
	}
	fn, ok := obj.(*types.Func)
	return ok && a.ctors[fn.Origin()]
}

// scrapeRoots: exported functions that take the scrape's metric channel and that
// no function of this package calls run in the scrapes of another package's Collect.
func (a *analysis) scrapeRoots() {
	for _, f := range a.funcs {
		if f.decl == nil || f.isRoot || !f.decl.Name.IsExported() || f.inTest ||
			!a.takesMetricChannel(f.decl.Type) {
			continue
		}
		calledHere := false
		for _, c := range f.calls {
			calledHere = calledHere || !c.from.inTest
		}
		if calledHere {
			continue
		}
		f.isRoot = true
		f.spawns = append(f.spawns, spawn{from: f, pos: f.decl.Pos(), many: true,
			kind: "the Prometheus collection function declared"})
	}
}

// lockedWrite: a mutex under which the map is written (in write mode) outside tests
// and fresh values: evidence that its author shares it between goroutines.
func (a *analysis) lockedWrite(accs []*access, eff []lockState) types.Object {
	for i, x := range accs {
		if x.kind != aWrite || x.fresh || x.fn.inTest {
			continue
		}
		for k, v := range eff[i] {
			if k != anyLock && v.mode == writeMode && a.ownsLock(x, k) {
				return k
			}
		}
	}
	return nil
}

// ownsLock: k is a package-level mutex, or a mutex field of the struct type whose
// field the map is (c.m under c.mu): a lock that guards this map, not one that
// happens to be held (a local mutex of a closure, another value's lock).
func (a *analysis) ownsLock(x *access, k types.Object) bool {
	v, ok := k.(*types.Var)
	if !ok {
		return false
	}
	if !v.IsField() {
		return v.Parent() == a.pkg.Scope()
	}
	f, ok := x.obj.(*types.Var)
	if !ok || !f.IsField() {
		return false
	}
	a.guardedStruct(f) // fills a.owners
	st := a.owners[f]
	return st != nil && a.owners[v] == st
}

// mixedLocking: the functions that access the map both under its guard and without
// it, in their own body or through the package functions they call (up to two calls
// deep). Such a function runs while others use the map (that is why it locks), so
// its unlocked access is a lock forgotten, not a phase of the program: the API rule
// reports only pairs with one access in such a function. Code ordered by phases (a
// compiler's parallel back end locks, its sequential phases do not) keeps the locked
// and the unlocked functions apart.
func (a *analysis) mixedLocking(accs []*access, eff []lockState, guard types.Object) map[*fnode]bool {
	locked, unlocked := map[*fnode]bool{}, map[*fnode]bool{}
	for i, x := range accs {
		if x.fresh || x.fn.inTest {
			continue
		}
		if _, ok := eff[i][guard]; ok {
			locked[x.fn] = true
		} else {
			unlocked[x.fn] = true
		}
	}
	reach := map[*fnode]bool{}
	frontier := []*fnode{}
	for f := range locked {
		reach[f] = true
		frontier = append(frontier, f)
	}
	for depth := 0; depth < 2; depth++ {
		var next []*fnode
		for _, f := range frontier {
			for _, c := range f.calls {
				if !c.from.inTest && !reach[c.from] {
					reach[c.from] = true
					next = append(next, c.from)
				}
			}
		}
		frontier = next
	}
	out := map[*fnode]bool{}
	for f := range unlocked {
		if reach[f] {
			out[f] = true
		}
	}
	return out
}

// setupBeforeStart: x is an access, with no lock held, in an exported method of a
// struct type that has no mutex field, run only by the package's callers, and y runs
// only in goroutines that exported methods of that type start (go d.readLoop() in
// d.Run()). A type with no lock at all is configured, then started
// (d.RegisterHandler(...) before d.Run()): the order is set by its callers, in
// another package, and is taken to be kept.
func (a *analysis) setupBeforeStart(x, y *access, lx lockState) bool {
	if x.mode != receiver || len(lx) != 0 || x.fn.decl == nil || x.fn.decl.Recv == nil ||
		!x.fn.decl.Name.IsExported() || x.fn.recvT != x.recvT || x.fn.inTest {
		return false
	}
	f, ok := x.obj.(*types.Var)
	if !ok || !f.IsField() || a.guardedStruct(f) {
		return false
	}
	for id := range x.fn.ctx {
		if id != mainCtx {
			return false
		}
	}
	started := false
	for id := range a.recvCtx(y) {
		if id == mainCtx {
			return false
		}
		for _, s := range a.funcs[id].spawns {
			if s.kind != "" || s.from.recvT != x.recvT || s.from.decl == nil ||
				!s.from.decl.Name.IsExported() {
				return false
			}
		}
		started = true
	}
	return started
}

// apiShared: two accesses of a map its package writes under a mutex, both in code the
// package's callers run (exported functions and what they call), outside tests and
// init: callers may run them at the same time (the library does not order its API;
// two calls of one function race with each other too).
func (a *analysis) apiShared(x, y *access) bool {
	if x.mode != global && (x.mode != receiver || x.recvT != y.recvT) {
		return false
	}
	for _, s := range []*access{x, y} {
		if !s.fn.ctx[mainCtx] || s.fn.inTest || s.fn.isInit || s.fn.isDescribe {
			return false
		}
	}
	if a.pkg.Name() == "main" {
		return false
	}
	// an exported function whose callers in the package all hold a lock is used
	// under that lock (func (n *T) PersistMetadata(), called after n.Lock())
	return !protected(a.apiLocks(x), a.apiLocks(y))
}

func (a *analysis) apiLocks(x *access) lockState {
	eff := x.locks.clone()
	for k, v := range a.callerLocks(x.fn, 4) {
		if _, ok := eff[k]; !ok {
			eff[k] = v
		}
	}
	return eff
}

// callerLocks: the locks f runs under as the package itself calls it: its entry
// locks, or for an exported function the intersection over its callers in the
// package (outside tests), transitively up to depth calls.
func (a *analysis) callerLocks(f *fnode, depth int) lockState {
	if depth == 0 || f.isRoot {
		return f.entry
	}
	var acc lockState
	for _, c := range f.calls {
		if c.from.inTest || c.fresh || c.from == f {
			continue
		}
		l := c.locks.clone()
		for k, v := range a.callerLocks(c.from, depth-1) {
			if _, ok := l[k]; !ok {
				l[k] = v
			}
		}
		if acc == nil {
			acc = l
			continue
		}
		for k := range acc {
			if _, ok := l[k]; !ok {
				delete(acc, k)
			}
		}
	}
	if acc == nil {
		return f.entry
	}
	for k, v := range f.entry {
		acc[k] = v
	}
	return acc
}

// lockWrapper: func f(lk L, fn func()) { lk.Lock(); defer lk.Unlock(); fn() } (any
// parameter order): [index of lk, index of fn], or nil.
func lockWrapper(fd *ast.FuncDecl) []int {
	if fd.Body == nil || len(fd.Body.List) != 3 || fd.Type.Params == nil {
		return nil
	}
	var names []string
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		if len(f.Names) == 0 {
			names = append(names, "")
		}
	}
	index := func(e ast.Expr) int {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok {
			for i, n := range names {
				if n == id.Name {
					return i
				}
			}
		}
		return -1
	}
	method := func(s ast.Stmt, name string) int {
		var call *ast.CallExpr
		switch s := s.(type) {
		case *ast.ExprStmt:
			call, _ = s.X.(*ast.CallExpr)
		case *ast.DeferStmt:
			call = s.Call
		}
		if call == nil {
			return -1
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name || len(call.Args) != 0 {
			return -1
		}
		return index(sel.X)
	}
	lk := method(fd.Body.List[0], "Lock")
	if _, ok := fd.Body.List[1].(*ast.DeferStmt); !ok || lk < 0 || method(fd.Body.List[1], "Unlock") != lk {
		return nil
	}
	es, ok := fd.Body.List[2].(*ast.ExprStmt)
	if !ok {
		return nil
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return nil
	}
	fn := index(call.Fun)
	if fn < 0 {
		return nil
	}
	return []int{lk, fn}
}
