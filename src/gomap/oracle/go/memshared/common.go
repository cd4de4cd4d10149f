package main

// Shared by memclassic (Go 1.23) and memswiss (Go 1.27); keep the two copies equal.
// See docs/SIMULATE.md, "How the memory figures are checked".

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

type opKind uint8

const (
	opMake opKind = iota
	opSet
	opGet
	opDel
	opClear
	opIter
	opClone   // m = maps.Clone(m)
	opRebuild // m2 := make(map[K]V, len(m)); for k, v := range m { m2[k] = v }; m = m2
)

// op is one parsed script line. It holds no pointers (key strings live in the
// arena), so the script costs the GC nothing to scan; keyOf builds the key.
type op struct {
	kind opKind
	live bool // measure the live heap (GC + HeapAlloc) after this op
	hint int
	n    int64  // integer key (or the decimal value of a string key given as an integer)
	off  uint32 // string key: arena block, offset and length
	ln   uint32
	blk  uint32
	str  bool
	// dyn: an interface key's dynamic type, from a typed literal (0: none; 'i' int64,
	// 's' string, 'f' float64 given by its IEEE bits in n, 't' structKey{n, "n"},
	// 'p' pointer object n).
	dyn byte
	// clone / rebuild: the keys listed after the op (listed[ks:ke]), whose hashes
	// under the new map's seed are reported (hashes[ks:ke]).
	ks, ke uint32
}

// The keys listed by clone / rebuild lines, and their hashes under the new map's
// seed (filled while measuring: the slice is allocated when the script is read).
// orders[ks:ke] is a rebuild's range order: the hash of each key, in the order the
// loop produced them, under the old map's seed (the model inverts the hashes).
var (
	listed []op
	hashes []uint64
	orders []uint64
)

// The NaN placement dumps (see nans.go): sections of nanBuf, one range per record.
const (
	secNaNs   = iota // per NaN key in the map: bits, then where it is (per engine)
	secTables        // Swiss: per table, index, capacity, localDepth
	secFree          // Swiss, a NaN set: the groups of its table with an empty slot
	secEvac          // classic, a NaN del during a growth: the old buckets it evacuated
	nSections
)

var sectionNames = [nSections]string{"nans", "tables", "free", "evac"}

// rec is what was measured for one op. Written out only after the whole run,
// so that nothing but the map allocates while measuring.
type rec struct {
	noise   uint64 // TotalAlloc delta over the live measurement's GC: not the map's (should be 0)
	alloc   uint64 // TotalAlloc delta over the op
	mallocs uint64 // Mallocs delta over the op
	live    int64  // HeapAlloc after runtime.GC() minus the baseline taken before make; -1: not measured
	scan    int64  // /gc/scan/heap:bytes after that GC (the cycle's heap scan work) minus its baseline
	hashed  bool
	hash    uint64 // the map's hash of the op's key under the seed before the op
	seed    uint64 // the map's seed after the op
	probe   [6]int64
	dump    [nSections][2]uint32 // ranges of nanBuf
}

var (
	ms    runtime.MemStats
	sink  any // keeps the map on the heap
	nIter int
)

func readOps(in io.Reader) ([]op, error) {
	var ops []op
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		var o op
		if strings.HasSuffix(text, " !") {
			o.live = true
			text = strings.TrimSpace(strings.TrimSuffix(text, " !"))
		}
		word, arg, _ := strings.Cut(text, " ")
		arg = strings.TrimSpace(arg)
		var err error
		switch word {
		case "make":
			o.kind = opMake
			o.hint, err = strconv.Atoi(arg)
		case "set", "get", "del":
			switch word {
			case "set":
				o.kind = opSet
			case "get":
				o.kind = opGet
			default:
				o.kind = opDel
			}
			err = o.parseKey(arg)
		case "clear":
			o.kind = opClear
		case "iter":
			o.kind = opIter
		case "clone", "rebuild":
			o.kind = opClone
			if word == "rebuild" {
				o.kind = opRebuild
			}
			o.ks = uint32(len(listed))
			for _, f := range splitKeys(arg) {
				var k op
				if err = k.parseKey(f); err != nil {
					break
				}
				listed = append(listed, k)
			}
			o.ke = uint32(len(listed))
		default:
			err = fmt.Errorf("unknown op %q", word)
		}
		if err == nil && len(ops) == 0 && o.kind != opMake {
			err = fmt.Errorf("the first op must be make")
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		ops = append(ops, o)
	}
	hashes = make([]uint64, len(listed))
	orders = make([]uint64, len(listed))
	if prepareKeys != nil {
		prepareKeys(ops)
		prepareKeys(listed)
	}
	allocNaNBuf(ops)
	return ops, sc.Err()
}

// splitKeys splits a clone / rebuild line's key list: decimal integers and Go
// quoted strings (which may hold spaces), separated by spaces.
func splitKeys(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out
		}
		end := strings.IndexByte(s, ' ')
		if q := strings.IndexByte(s, '"'); q >= 0 && (q == 0 || (q == 2 && s[1] == ':')) {
			end = -1
			for j := q + 1; j < len(s); j++ {
				if s[j] == '\\' {
					j++
				} else if s[j] == '"' {
					end = j + 1
					break
				}
			}
		}
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}

// parseKey reads a decimal integer, a Go quoted string, or (interface keys) a typed
// literal: i:N, s:"...", f:<16 hex digits of the IEEE bits>, t:N or p:N.
func (o *op) parseKey(lit string) error {
	if len(lit) > 2 && lit[1] == ':' && strings.IndexByte("isftp", lit[0]) >= 0 {
		o.dyn = lit[0]
		rest := lit[2:]
		var err error
		switch o.dyn {
		case 's':
			var s string
			if s, err = strconv.Unquote(rest); err == nil {
				o.str = true
				o.intern(s)
			}
		case 'f':
			var bits uint64
			if bits, err = strconv.ParseUint(rest, 16, 64); err == nil {
				o.n = int64(bits)
			}
		default:
			if o.n, err = strconv.ParseInt(rest, 10, 64); err == nil {
				o.intern(rest)
			}
		}
		if err != nil {
			return fmt.Errorf("key %s: a typed literal is i:N, s:\"...\", f:<hex bits>, t:N or p:N", lit)
		}
		return nil
	}
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		o.n = n
		o.intern(strconv.FormatInt(n, 10))
		return nil
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		return fmt.Errorf("key %s: want a decimal integer or a quoted string", lit)
	}
	o.str = true
	o.intern(s)
	return nil
}

// The arena holds the bytes of every key string in a few large noscan blocks.
var arena [][]byte

func (o *op) intern(s string) {
	if len(arena) == 0 || cap(arena[len(arena)-1])-len(arena[len(arena)-1]) < len(s) {
		arena = append(arena, make([]byte, 0, max(1<<20, len(s))))
	}
	blk := len(arena) - 1
	o.blk, o.off, o.ln = uint32(blk), uint32(len(arena[blk])), uint32(len(s))
	arena[blk] = append(arena[blk], s...)
}

// keyString is the op's key as a string, pointing into the arena (no allocation).
func (o *op) keyString() string {
	if o.ln == 0 {
		return ""
	}
	return unsafe.String(&arena[o.blk][o.off], int(o.ln))
}

func intKey(o *op) int64 { return o.n }

func strKey(o *op) string { return o.keyString() }

// measure runs ops on fresh maps and returns one rec per op. apply performs op
// i on the current map (making it for opMake) and fills rec.hash/seed/probe.
// growing reports whether a growth is under way (classic; false for swiss).
//
// The live heap is measured (a full GC, then HeapAlloc) after every op that
// may have changed it: one that allocated, a del/clear/iter, one ending while a
// growth is under way, the last op of each map, every liveEvery-th op, and
// every op marked with " !".
func measure(ops []op, apply func(o *op, r *rec), growing func() bool, liveEvery int) []rec {
	recs := make([]rec, len(ops))
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(-1)
	warmUp()
	var base, scanBase uint64
	scanned := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}
	metrics.Read(scanned)
	// heapScan runs the GC and returns the scannable heap it found (the cycle's
	// heap scan work).
	heapScan := func() uint64 {
		runtime.GC()
		metrics.Read(scanned)
		return scanned[0].Value.Uint64()
	}
	prevTotal, prevMallocs := ms.TotalAlloc, ms.Mallocs
	for i := range ops {
		o, r := &ops[i], &recs[i]
		r.live = -1
		if o.kind == opMake {
			sink = nil
			apply(nil, nil) // drop the previous map
			scanBase = heapScan()
			runtime.ReadMemStats(&ms)
			base = ms.HeapAlloc
			prevTotal, prevMallocs = ms.TotalAlloc, ms.Mallocs
		}
		wasGrowing := o.kind != opMake && growing()
		if nanBefore != nil {
			nanBefore(o, r)
		}
		apply(o, r)
		runtime.ReadMemStats(&ms)
		r.alloc = ms.TotalAlloc - prevTotal
		r.mallocs = ms.Mallocs - prevMallocs
		if nanAfter != nil {
			nanAfter(o, r) // walks the map: allocates nothing
		}
		last := i+1 == len(ops) || ops[i+1].kind == opMake
		if o.live || r.alloc != 0 || last || wasGrowing || growing() ||
			o.kind == opMake || o.kind == opDel || o.kind == opClear || o.kind == opIter ||
			o.kind == opClone || o.kind == opRebuild ||
			(liveEvery > 0 && i%liveEvery == 0) {
			before := ms.TotalAlloc
			scan := heapScan()
			runtime.ReadMemStats(&ms)
			r.live = int64(ms.HeapAlloc) - int64(base)
			r.scan = int64(scan) - int64(scanBase)
			r.noise = ms.TotalAlloc - before // the runtime's own allocations during the GC
		}
		prevTotal, prevMallocs = ms.TotalAlloc, ms.Mallocs
	}
	return recs
}

// warmUp gets the runtime's one-off allocations out of the way before anything is
// measured: the GC's worker goroutines (started by the first cycles) and the
// per-P timer heap (a slice that grows by append the first time timers are
// queued, e.g. when the background scavenger goes to sleep during a GC).
func warmUp() {
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Millisecond)
		}()
	}
	wg.Wait()
	debug.FreeOSMemory()
	for i := 0; i < 3; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
	}
}

func writeRecs(out io.Writer, ops []op, recs []rec, probeNames []string) error {
	w := bufio.NewWriterSize(out, 1<<20)
	var b []byte
	for i := range recs {
		r := &recs[i]
		o := &ops[i]
		b = b[:0]
		b = append(b, `{"alloc":`...)
		b = strconv.AppendUint(b, r.alloc, 10)
		b = append(b, `,"mallocs":`...)
		b = strconv.AppendUint(b, r.mallocs, 10)
		b = append(b, `,"live":`...)
		b = strconv.AppendInt(b, r.live, 10)
		b = append(b, `,"scan":`...)
		b = strconv.AppendInt(b, r.scan, 10)
		b = append(b, `,"hash":`...)
		if r.hashed {
			b = strconv.AppendUint(b, r.hash, 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"noise":`...)
		b = strconv.AppendUint(b, r.noise, 10)
		b = append(b, `,"seed":`...)
		b = strconv.AppendUint(b, r.seed, 10)
		for j, name := range probeNames {
			b = append(b, `,"`...)
			b = append(b, name...)
			b = append(b, `":`...)
			b = strconv.AppendInt(b, r.probe[j], 10)
		}
		if o.kind == opClone || o.kind == opRebuild {
			b = append(b, `,"hashes":[`...)
			for j := o.ks; j < o.ke; j++ {
				if j > o.ks {
					b = append(b, ',')
				}
				b = strconv.AppendUint(b, hashes[j], 10)
			}
			b = append(b, ']')
		}
		for sec, rg := range r.dump {
			if rg[1] > rg[0] {
				b = append(b, `,"`...)
				b = append(b, sectionNames[sec]...)
				b = append(b, `":[`...)
				for j := rg[0]; j < rg[1]; j++ {
					if j > rg[0] {
						b = append(b, ',')
					}
					b = strconv.AppendUint(b, nanBuf[j], 10)
				}
				b = append(b, ']')
			}
		}
		if nanOverflow {
			return fmt.Errorf("the NaN placement buffer (%d words) is too small", cap(nanBuf))
		}
		if o.kind == opRebuild {
			b = append(b, `,"order":[`...)
			for j := o.ks; j < o.ke; j++ {
				if j > o.ks {
					b = append(b, ',')
				}
				b = strconv.AppendUint(b, orders[j], 10)
			}
			b = append(b, ']')
		}
		b = append(b, "}\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return w.Flush()
}
