// gomap viz: steps through a workload, one engine per panel. No network, no markup from
// data: every key and narration string reaches the page through textContent only.
(function () {
  'use strict';
  const DATA = JSON.parse(document.getElementById('gomap-data').textContent);
  const OPN = DATA.op_names;
  const KEYS = DATA.keys;
  const STR = DATA.strings;
  const S = (i) => (i >= 0 ? STR[i] : null);
  const NSTEPS = DATA.ops.length;          // steps 0..NSTEPS-1; step 0 is make
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const hex2 = (n) => '0x' + (n >>> 0).toString(16).padStart(2, '0');
  const keyText = (id) => (id >= 0 ? KEYS[id] : '');

  // ---- colours ---------------------------------------------------------------------
  // Empty and moved cells are greys (evacuatedX/Y dark, evacuatedEmpty mid), a
  // tombstone is the one strong red, full cells are light hues that avoid red.
  const C_REST = '#f3f3f3', C_ONE = '#d62728', C_EVX = '#374151', C_EVY = '#6b7280',
    C_EVE = '#b8bcc4';
  const HUES = [];
  for (let i = 0; i < 256; i++) HUES.push('hsl(' + (45 + (i * 137) % 250) + ',55%,72%)');
  function classicColour(th) {
    if (th === 0) return C_REST;
    if (th === 1) return C_ONE;
    if (th === 2) return C_EVX;
    if (th === 3) return C_EVY;
    if (th === 4) return C_EVE;
    return HUES[th];
  }
  function swissColour(c) {
    if (c === 0x80) return C_REST;
    if (c === 0xfe) return C_ONE;
    return HUES[(c * 2) & 255];
  }
  function cellSize(n) {
    if (n <= 16) return [30, 16, true];
    if (n <= 64) return [16, 10, false];
    if (n <= 512) return [7, 4, false];
    if (n <= 4096) return [4, 3, false];
    return [2, 2, false];
  }

  // ---- counters and timeline (shared) ----------------------------------------------
  class Base {
    constructor(eng, root) {
      this.eng = eng;
      this.impl = eng.impl;
      this.names = DATA.counters[eng.impl];
      this.ctr = {};
      for (const n of this.names) this.ctr[n] = 0;
      this.undo = [];
      this.root = root;
      this.kinds = eng.kinds || {};
      this.hits = [];
      this.rt = {};
      this.buildDom();
      this.precompute();
    }
    buildDom() {
      const r = this.root;
      r.appendChild(el('h2', null, this.impl + ' (Go ' + this.eng.go.replace('go', '') + ')'));
      if (this.eng.runtime) {
        this.rtEl = el('div', 'runtime');
        this.rtEl.id = 'rt-' + this.impl;
        r.appendChild(this.rtEl);
      }
      const t = el('table', 'counters');
      this.ctrEls = {};
      for (const n of this.names) {
        const tr = el('tr');
        tr.appendChild(el('td', null, n));
        const v = el('td', 'v', '0');
        v.id = 'c-' + this.impl + '-' + n;
        v.dataset.counter = n;
        tr.appendChild(v);
        this.ctrEls[n] = v;
        if (this.eng.runtime) {
          const r = el('td', 'rt', '');
          r.id = 'rt-' + this.impl + '-' + n;
          tr.appendChild(r);
          this.rtEls = this.rtEls || {};
          this.rtEls[n] = r;
        }
        t.appendChild(tr);
      }
      r.appendChild(t);
      this.tl = el('canvas', 'timeline');
      this.tl.width = 600; this.tl.height = 70;
      r.appendChild(this.tl);
      r.appendChild(el('div', 'tl-legend', 'timeline: live bytes (blue), entries (green), tombstones (red); the line marks this step'));
      this.tl.addEventListener('click', (ev) => {
        const rc = this.tl.getBoundingClientRect();
        go(Math.round((ev.clientX - rc.left) / rc.width * (NSTEPS - 1)));
      });
      this.wrap = el('div', 'canvas-wrap');
      r.appendChild(this.wrap);
    }
    precompute() {
      // Counter values at every step, for the timeline.
      const series = { live_bytes: new Float64Array(NSTEPS), count: new Float64Array(NSTEPS),
        tombstones: new Float64Array(NSTEPS) };
      const cur = {};
      for (const n of this.names) cur[n] = 0;
      const steps = this.eng.steps;
      for (let i = 0; i < NSTEPS; i++) {
        const c = steps[i][3];
        if (c) for (let j = 0; j < c.length; j += 2) cur[this.names[c[j]]] = c[j + 1];
        for (const k in series) series[k][i] = cur[k];
      }
      this.series = series;
    }
    applyCounters(c) {
      if (!c) return null;
      const old = [];
      for (let j = 0; j < c.length; j += 2) {
        const n = this.names[c[j]];
        old.push(n, this.ctr[n]);
        this.ctr[n] = c[j + 1];
      }
      return old;
    }
    revertCounters(old) {
      if (!old) return;
      for (let j = 0; j < old.length; j += 2) this.ctr[old[j]] = old[j + 1];
    }
    forward(i) {
      const s = this.eng.steps[i];
      const u = { c: this.applyCounters(s[3]), d: s[2] ? this.applyDeltas(s[2]) : null, r: null };
      if (s[4] && s[4][1]) {
        u.r = Object.assign({}, this.rt);
        Object.assign(this.rt, s[4][1]);
      }
      this.undo.push(u);
    }
    backward() {
      const u = this.undo.pop();
      this.revertCounters(u.c);
      if (u.d) this.revertDeltas(u.d);
      if (u.r) this.rt = u.r;
    }
    renderCounters(i) {
      for (const n of this.names) this.ctrEls[n].textContent = String(this.ctr[n]);
      if (this.rtEls) {
        for (const n of this.names) {
          const v = this.rt[n];
          this.rtEls[n].textContent = v === undefined ? '' : (v === this.ctr[n] ? '= ' : '≠ ') + 'runtime ' + v;
        }
      }
      if (this.rtEl) {
        const s4 = this.eng.steps[i][4];
        const r = s4 ? s4[0] : null;
        if (r === 1) { this.rtEl.textContent = '= runtime (Go ' + this.eng.go.replace('go', '') + ') state equal at this step'; this.rtEl.className = 'runtime eq'; }
        else if (r === 0 || r === undefined || r === null) { this.rtEl.textContent = '· runtime not compared at this step'; this.rtEl.className = 'runtime'; }
        else { this.rtEl.textContent = '≠ runtime differs: ' + r; this.rtEl.className = 'runtime ne'; }
        this.rtEl.dataset.equal = r === 1 ? '1' : (typeof r === 'string' ? '0' : '');
      }
    }
    renderTimeline(i) {
      const cv = this.tl, g = cv.getContext('2d');
      const W = cv.width, H = cv.height;
      g.clearRect(0, 0, W, H);
      const cols = { live_bytes: '#2563eb', count: '#16a34a', tombstones: '#dc2626' };
      const stride = Math.max(1, Math.floor(NSTEPS / W));
      for (const k in cols) {
        const s = this.series[k];
        let mx = 1;
        for (let j = 0; j < NSTEPS; j += stride) if (s[j] > mx) mx = s[j];
        g.strokeStyle = cols[k]; g.lineWidth = 1; g.beginPath();
        for (let j = 0; j < NSTEPS; j += stride) {
          const x = NSTEPS > 1 ? j / (NSTEPS - 1) * (W - 1) : 0;
          const y = H - 2 - s[j] / mx * (H - 4);
          if (j === 0) g.moveTo(x, y); else g.lineTo(x, y);
        }
        g.stroke();
      }
      const x = NSTEPS > 1 ? i / (NSTEPS - 1) * (W - 1) : 0;
      g.strokeStyle = '#111'; g.lineWidth = 2; g.beginPath(); g.moveTo(x, 0); g.lineTo(x, H); g.stroke();
    }
    stepKinds(i) {
      const ev = this.eng.steps[i][1];
      if (!ev) return [];
      return ev.map((e) => this.kinds[S(e[0])]).filter(Boolean);
    }
    narrate(i, box) {
      const s = this.eng.steps[i];
      box.appendChild(el('h3', null, this.impl));
      box.appendChild(el('div', 'where', this.where(s[0], i)));
      if (s[1]) {
        const ol = el('ol');
        for (const ix of s[1]) {
          const e = ix.map(S);
          const li = el('li');
          li.dataset.event = e[0];
          const b = el('b', null, e[1]);
          li.appendChild(b);
          if (e[2]) li.appendChild(el('span', null, ': ' + e[2]));
          if (e[3]) { li.appendChild(el('br')); li.appendChild(el('span', 'rule', e[3])); }
          if (e[4]) { li.appendChild(el('br')); li.appendChild(el('span', 'go', 'Go ' + this.eng.go.replace('go', '') + ': ' + e[4] + ' (' + e[5] + ')')); }
          ol.appendChild(li);
        }
        box.appendChild(ol);
      }
    }
    canvasFor(key, w, h) {
      let cv = this.canvases && this.canvases[key];
      if (!this.canvases) this.canvases = {};
      if (!cv) {
        cv = el('canvas', 'map');
        cv.dataset.arr = key;
        this.canvases[key] = cv;
        cv.addEventListener('mousemove', (ev) => this.hover(ev, cv));
        cv.addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
      }
      if (cv.width !== w) cv.width = w;
      if (cv.height !== h) cv.height = h;
      return cv;
    }
    hover(ev, cv) {
      const rc = cv.getBoundingClientRect();
      const x = ev.clientX - rc.left, y = ev.clientY - rc.top;
      const tip = $('tooltip');
      for (const h of this.hits) {
        if (h.cv === cv && x >= h.x && x < h.x + h.w && y >= h.y && y < h.y + h.h) {
          const idx = Math.min(h.n - 1, Math.floor((h.vertical ? (y - h.y) / h.h : (x - h.x) / h.w) * h.n));
          tip.textContent = h.text(idx);
          tip.style.left = (ev.clientX + 12) + 'px';
          tip.style.top = (ev.clientY + 12) + 'px';
          tip.hidden = false;
          return;
        }
      }
      tip.hidden = true;
    }
  }

  // ---- classic ---------------------------------------------------------------------
  const emptyBucket = () => ({ th: [0, 0, 0, 0, 0, 0, 0, 0], k: [-1, -1, -1, -1, -1, -1, -1, -1] });
  const fresh = (n) => { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = [emptyBucket()]; return a; };

  class ClassicView extends Base {
    constructor(eng, root) {
      super(eng, root);
      this.nw = null; this.old = null;
      this.arrays = el('div', 'arrays');
      this.oldBox = el('div'); this.newBox = el('div');
      this.oldBox.appendChild(el('h4', null, 'oldbuckets'));
      this.newBox.appendChild(el('h4', null, 'buckets'));
      this.arrays.appendChild(this.oldBox); this.arrays.appendChild(this.newBox);
      this.wrap.appendChild(this.arrays);
    }
    applyDeltas(ds) {
      const u = [];
      for (const d of ds) {
        const t = d[0];
        if (t === 'A') { u.push(['S', this.nw, this.old]); this.nw = fresh(d[1]); }
        else if (t === 'G') { u.push(['S', this.nw, this.old]); this.old = this.nw; this.nw = fresh(1 << d[1]); }
        else if (t === 'E') { u.push(['S', this.nw, this.old]); this.old = null; }
        else if (t === 'C') { u.push(['S', this.nw, this.old]); this.nw = fresh(this.nw.length); this.old = null; }
        else if (t === 'c') {
          const arr = d[1] === 0 ? this.nw : this.old;
          const b = d[2], was = arr[b];
          const chain = new Array(d[3]);
          for (let p = 0; p < d[3]; p++) chain[p] = p < was.length ? was[p] : emptyBucket();
          const cells = d[4];
          const copied = new Set();
          for (let j = 0; j < cells.length; j += 3) {
            const p = cells[j] >> 3, c = cells[j] & 7;
            if (!copied.has(p)) { chain[p] = { th: chain[p].th.slice(), k: chain[p].k.slice() }; copied.add(p); }
            chain[p].th[c] = cells[j + 1];
            chain[p].k[c] = cells[j + 2];
          }
          arr[b] = chain;
          u.push(['c', d[1], b, was]);
        }
      }
      return u;
    }
    revertDeltas(u) {
      for (let j = u.length - 1; j >= 0; j--) {
        const x = u[j];
        if (x[0] === 'S') { this.nw = x[1]; this.old = x[2]; }
        else { (x[1] === 0 ? this.nw : this.old)[x[2]] = x[3]; }
      }
    }
    where(t, i) {
      if (!t) return '';
      const op = OPN[DATA.ops[i][0]];
      if (t[1] < 0) return 'bucket ' + t[0] + ': key not there (tophash ' + hex2(t[3]) + ')';
      return (op === 'del' ? 'deleted from ' : 'bucket ') + (op === 'del' ? 'bucket ' : '') + t[0] +
        (t[1] ? ' (overflow bucket ' + t[1] + ' of its chain)' : '') + ', cell ' + t[2] + ', tophash ' + hex2(t[3]);
    }
    drawArray(key, arr, box, touched, nevacuate) {
      this.hitsFor = this.hitsFor || {};
      if (!arr) { if (this.canvases && this.canvases[key]) this.canvases[key].remove(); box.hidden = true; return; }
      box.hidden = false;
      const n = arr.length;
      const [cw, ch, text] = cellSize(n);
      const W = Math.max(200, Math.floor(this.wrap.clientWidth / (this.old ? 2 : 1)) - 12);
      const gap = cw >= 16 ? 4 : 1;
      const bw = cw + gap;
      const perRow = Math.max(1, Math.floor(W / bw));
      const bh = 8 * ch;
      const lab = text ? 12 : 0;
      // row heights from the longest chain in each row
      const rows = Math.ceil(n / perRow);
      const rowH = new Array(rows).fill(0);
      for (let b = 0; b < n; b++) { const r = Math.floor(b / perRow); rowH[r] = Math.max(rowH[r], arr[b].length); }
      let H = 0; const rowY = [];
      for (let r = 0; r < rows; r++) { rowY.push(H); H += lab + rowH[r] * (bh + gap) + gap * 2; }
      const cv = this.canvasFor(key, perRow * bw, Math.max(10, H));
      if (cv.parentNode !== box) box.appendChild(cv);
      const g = cv.getContext('2d');
      g.clearRect(0, 0, cv.width, cv.height);
      g.font = '10px ui-monospace, monospace'; g.textBaseline = 'middle';
      for (let b = 0; b < n; b++) {
        const r = Math.floor(b / perRow), x = (b % perRow) * bw, y0 = rowY[r] + lab;
        if (text) { g.fillStyle = '#666'; g.fillText(String(b), x + 1, rowY[r] + 6); }
        const chain = arr[b];
        for (let p = 0; p < chain.length; p++) {
          const y = y0 + p * (bh + gap);
          const bk = chain[p];
          for (let c = 0; c < 8; c++) {
            g.fillStyle = classicColour(bk.th[c]);
            g.fillRect(x, y + c * ch, cw, ch - (ch > 3 ? 1 : 0));
            if (text && bk.th[c] >= 5) { g.fillStyle = '#111'; g.fillText(bk.th[c].toString(16).padStart(2, '0'), x + 3, y + c * ch + ch / 2); }
            else if (text && (bk.th[c] === 2 || bk.th[c] === 3)) { g.fillStyle = '#fff'; g.fillText(bk.th[c] === 2 ? 'X' : 'Y', x + 3, y + c * ch + ch / 2); }
          }
          if (p > 0 && gap > 1) { g.fillStyle = '#999'; g.fillRect(x + cw / 2 - 1, y - gap, 2, gap); }
          this.hits.push({ cv, x, y, w: cw, h: bh, n: 8, vertical: true,
            text: ((b2, p2, bk2) => (c2) => key + '[' + b2 + ']' + (p2 ? ' overflow ' + p2 : '') + ' cell ' + c2 + ': tophash ' + hex2(bk2.th[c2]) + (bk2.k[c2] >= 0 ? '\nkey ' + keyText(bk2.k[c2]) : ''))(b, p, bk) });
        }
        if (nevacuate !== null && b < nevacuate) { g.fillStyle = 'rgba(255,255,255,0.55)'; g.fillRect(x, y0, cw, chain.length * (bh + gap)); }
        if (nevacuate !== null && b === nevacuate) { g.fillStyle = '#7c3aed'; g.fillRect(x - (gap > 1 ? 2 : 1), rowY[r], gap > 1 ? 2 : 1, lab + chain.length * (bh + gap)); }
        if (touched && touched[0] === b) {
          g.strokeStyle = '#f59e0b'; g.lineWidth = 2; g.strokeRect(x - 1, y0 - 1, cw + 2, chain.length * (bh + gap));
          if (touched[1] >= 0) {
            g.strokeStyle = '#111'; g.lineWidth = 2;
            g.strokeRect(x + 1, y0 + touched[1] * (bh + gap) + touched[2] * ch + 1, cw - 2, ch - 2);
          }
        }
      }
      return cv;
    }
    render(i) {
      this.hits = [];
      const t = this.eng.steps[i][0];
      const growing = this.old !== null;
      this.oldBox.firstChild.textContent = growing ? 'oldbuckets (2^' + Math.log2(this.old.length) + '), nevacuate = ' + this.ctr.nevacuate + ' (purple mark; lighter: evacuated)' : '';
      this.newBox.firstChild.textContent = this.nw ? 'buckets (2^' + Math.log2(this.nw.length) + ')' + (growing ? ' — growing' : '') : 'buckets: none allocated yet';
      this.drawArray('old', this.old, this.oldBox, null, growing ? this.ctr.nevacuate : null);
      this.drawArray('new', this.nw, this.newBox, t && DATA.ops[i][0] !== 0 ? t : null, null);
    }
    state() {
      const conv = (arr) => arr ? arr.map((ch) => ch.map((b) => ({ tophash: b.th.slice(), keys: b.k.map(keyText) }))) : null;
      return { buckets: conv(this.nw), oldbuckets: conv(this.old) };
    }
  }

  // ---- swiss -----------------------------------------------------------------------
  function hexBytes(s) { const a = new Uint8Array(s.length / 2); for (let i = 0; i < a.length; i++) a[i] = parseInt(s.substr(2 * i, 2), 16); return a; }

  class SwissView extends Base {
    constructor(eng, root) {
      super(eng, root);
      this.tables = new Map();  // tid -> {tid, cap, ld, ctrl, keys}
      this.dir = [];
      this.box = el('div');
      this.wrap.appendChild(this.box);
    }
    applyDeltas(ds) {
      const u = [];
      for (const d of ds) {
        const t = d[0];
        if (t === 'T') {
          const ctrl = hexBytes(d[4]);
          const keys = new Int32Array(d[2]).fill(-1);
          for (let j = 0; j < d[5].length; j += 2) keys[d[5][j]] = d[5][j + 1];
          u.push(['T', d[1], this.tables.get(d[1])]);
          this.tables.set(d[1], { tid: d[1], cap: d[2], ld: d[3], ctrl, keys });
        } else if (t === 's') {
          const tab = this.tables.get(d[1]);
          const old = [];
          const f = d[2];
          for (let j = 0; j < f.length; j += 3) {
            old.push(f[j], tab.ctrl[f[j]], tab.keys[f[j]]);
            tab.ctrl[f[j]] = f[j + 1]; tab.keys[f[j]] = f[j + 2];
          }
          u.push(['s', d[1], old]);
        } else if (t === 'D') {
          u.push(['D', this.dir]);
          this.dir = d[1];
        }
      }
      return u;
    }
    revertDeltas(u) {
      for (let j = u.length - 1; j >= 0; j--) {
        const x = u[j];
        if (x[0] === 'T') { if (x[2] === undefined) this.tables.delete(x[1]); else this.tables.set(x[1], x[2]); }
        else if (x[0] === 's') {
          const tab = this.tables.get(x[1]);
          for (let k = 0; k < x[2].length; k += 3) { tab.ctrl[x[2][k]] = x[2][k + 1]; tab.keys[x[2][k]] = x[2][k + 2]; }
        } else if (x[0] === 'D') this.dir = x[1];
      }
    }
    small() { return this.dir.length === 0 ? this.tables.get(-1) || null : null; }
    // Tables are named as Go names them: by their first directory index (table.index).
    label(tid) {
      if (tid === -1) return 'small group';
      const i = this.dir.indexOf(tid);
      return 'table ' + (i >= 0 ? i : '(replaced)');
    }
    where(t, i) {
      if (!t) return '';
      const op = OPN[DATA.ops[i][0]];
      const tab = this.label(t[0]);
      const probe = t[4] && t[4].length ? ', probe sequence: group ' + t[4].join(' → ') : '';
      if (t[2] < 0) return tab + ': key not there (H2 ' + hex2(t[3]) + ')' + probe;
      return (op === 'del' ? 'deleted from ' : '') + tab + (t[0] === -1 ? '' : ' group ' + t[1]) + ', slot ' + t[2] + ', H2 ' + hex2(t[3]) + probe;
    }
    render(i) {
      this.hits = [];
      const t = this.eng.steps[i][0];
      const touched = t && DATA.ops[i][0] !== 0 ? t : null;
      const box = this.box;
      const unique = [];
      const sm = this.small();
      if (sm) unique.push(sm);
      let last = null;
      for (const tid of this.dir) { if (tid !== last) { unique.push(this.tables.get(tid)); last = tid; } }
      let total = 0;
      for (const tb of unique) total += tb.cap;
      const [cw, ch, text] = cellSize(Math.max(1, total / 8));
      const W = Math.max(240, this.wrap.clientWidth - 12);
      const gw = 8 * cw + (cw >= 16 ? 4 : 2);
      const perRow = Math.max(1, Math.floor(W / gw));
      // layout: the directory strip, then one block per table
      const dirH = this.dir.length ? 22 : 0;
      let H = dirH + 4;
      const blocks = [];
      for (const tb of unique) {
        const ng = tb.cap / 8, rows = Math.ceil(ng / perRow);
        blocks.push({ tb, y: H, rows });
        H += 14 + rows * (ch + 2) + 6;
      }
      const cv = this.canvasFor('swiss', perRow * gw, Math.max(20, H));
      if (cv.parentNode !== box) box.appendChild(cv);
      const g = cv.getContext('2d');
      g.clearRect(0, 0, cv.width, cv.height);
      g.font = '10px ui-monospace, monospace'; g.textBaseline = 'middle';
      if (this.dir.length) {
        const dw = Math.max(2, Math.min(40, Math.floor(cv.width / this.dir.length)));
        for (let d = 0; d < this.dir.length; d++) {
          const tb = this.tables.get(this.dir[d]);
          g.fillStyle = HUES[(tb.tid * 37) & 255];
          g.fillRect(d * dw, 2, dw - (dw > 3 ? 1 : 0), 18);
          if (dw >= 28) { g.fillStyle = '#111'; g.fillText(this.dir.indexOf(tb.tid) + ' d' + tb.ld, d * dw + 2, 11); }
        }
        this.hits.push({ cv, x: 0, y: 2, w: dw * this.dir.length, h: 18, n: this.dir.length, vertical: false,
          text: (d) => { const tb = this.tables.get(this.dir[d]); return 'directory[' + d + '] → ' + this.label(tb.tid) + ' (localDepth ' + tb.ld + ', globalDepth ' + Math.log2(this.dir.length) + ')'; } });
      }
      for (const bl of blocks) {
        const tb = bl.tb;
        let used = 0, del = 0;
        for (let s = 0; s < tb.cap; s++) { const c = tb.ctrl[s]; if (c === 0xfe) del++; else if (c < 0x80) used++; }
        const maxGL = tb.cap <= 8 ? tb.cap - 1 : tb.cap * 7 / 8;
        g.fillStyle = '#333';
        g.fillText((tb.tid === -1 ? 'small group' : this.label(tb.tid) + ' · localDepth ' + tb.ld) + ' · capacity ' + tb.cap + ' · used ' + used + ' · tombstones ' + del + (tb.tid === -1 ? '' : ' · growthLeft ' + (maxGL - used - del)), 0, bl.y + 6);
        const isT = touched && touched[0] === tb.tid;
        const probe = isT && touched[4] ? touched[4] : [];
        for (let gi = 0; gi < tb.cap / 8; gi++) {
          const x = (gi % perRow) * gw, y = bl.y + 14 + Math.floor(gi / perRow) * (ch + 2);
          for (let s = 0; s < 8; s++) {
            const c = tb.ctrl[gi * 8 + s];
            g.fillStyle = swissColour(c);
            g.fillRect(x + s * cw, y, cw - (cw > 3 ? 1 : 0), ch);
            if (text && c < 0x80) { g.fillStyle = '#111'; g.fillText(c.toString(16).padStart(2, '0'), x + s * cw + 2, y + ch / 2); }
          }
          const pi = probe.indexOf(gi);
          if (pi >= 0) {
            g.strokeStyle = '#f59e0b'; g.lineWidth = 2; g.strokeRect(x - 1, y - 1, 8 * cw + 1, ch + 2);
            if (text) { g.fillStyle = '#b45309'; g.fillText(String(pi + 1), x + 8 * cw - 8, y - 3); }
          }
          if (isT && touched[1] === gi && touched[2] >= 0) {
            g.strokeStyle = '#111'; g.lineWidth = 2; g.strokeRect(x + touched[2] * cw, y, cw - 1, ch);
          }
          this.hits.push({ cv, x, y, w: 8 * cw, h: ch, n: 8, vertical: false,
            text: ((tb2, g2) => (s2) => { const c = tb2.ctrl[g2 * 8 + s2]; return (tb2.tid === -1 ? 'small group' : this.label(tb2.tid) + ' group ' + g2) + ' slot ' + s2 + ': ' + (c === 0x80 ? 'empty' : c === 0xfe ? 'deleted (tombstone)' : 'H2 ' + hex2(c) + '\nkey ' + keyText(tb2.keys[g2 * 8 + s2])); })(tb, gi) });
        }
      }
    }
    state() {
      const conv = (tb) => ({ tid: tb.tid, capacity: tb.cap, local_depth: tb.ld, ctrl: Array.from(tb.ctrl), keys: Array.from(tb.keys, keyText) });
      const sm = this.small();
      const unique = []; let last = null;
      for (const tid of this.dir) { if (tid !== last) { unique.push(tid); last = tid; } }
      return { small: sm ? conv(sm) : null, directory: this.dir.slice(), tables: unique.map((t) => conv(this.tables.get(t))) };
    }
  }

  // ---- the stepper -----------------------------------------------------------------
  $('title').textContent = 'gomap viz — map[' + DATA.key + ']' + DATA.value + ' — ' + DATA.workload + ' — ' + (NSTEPS - 1) + ' ops';
  const views = [];
  for (const eng of DATA.engines) {
    const root = el('div', 'engine');
    root.id = 'engine-' + eng.impl;
    $('engines').appendChild(root);
    views.push(eng.impl === 'classic' ? new ClassicView(eng, root) : new SwissView(eng, root));
  }
  let cur = -1;
  const slider = $('slider');
  slider.max = String(NSTEPS - 1);
  $('jump-op').max = String(NSTEPS - 1);
  const kinds = new Set();
  for (const v of views) for (const k of Object.values(v.kinds)) kinds.add(k);
  for (const k of ['grow', 'split', 'prune', 'evacuate', 'overflow', 'tombstone', 'clear', 'iter']) {
    if (kinds.has(k)) { const o = el('option', null, k); o.value = k; $('kind').appendChild(o); }
  }

  function moveTo(target) {
    target = Math.max(0, Math.min(NSTEPS - 1, target | 0));
    while (cur < target) { cur++; for (const v of views) v.forward(cur); }
    while (cur > target) { for (const v of views) v.backward(); cur--; }
  }
  function render() {
    const op = DATA.ops[cur];
    const name = OPN[op[0]];
    const t = $('op-title');
    t.textContent = '';
    t.appendChild(el('span', null, 'op ' + cur + ' of ' + (NSTEPS - 1) + ': ' + name + ' '));
    if (name === 'set' || name === 'get' || name === 'del') t.appendChild(el('span', 'key', keyText(op[1])));
    else if (name === 'make') t.appendChild(el('span', null, '(hint ' + op[1] + ')'));
    const box = $('engines-narration');
    box.textContent = '';
    for (const v of views) { const b = el('div', 'enarr'); b.dataset.impl = v.impl; v.narrate(cur, b); box.appendChild(b); }
    for (const v of views) { v.renderCounters(cur); v.renderTimeline(cur); v.render(cur); }
    slider.value = String(cur);
    $('jump-op').value = String(cur);
    $('stepinfo').textContent = 'step ' + cur + ' / ' + (NSTEPS - 1);
    document.body.dataset.step = String(cur);
  }
  function go(n) { moveTo(n); render(); }
  function nextKind(kind) {
    for (let i = cur + 1; i < NSTEPS; i++) {
      for (const v of views) if (v.stepKinds(i).includes(kind)) { go(i); return true; }
    }
    return false;
  }
  let timer = null;
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    $('btn-play').textContent = on ? '⏸ pause' : '▶ play';
    if (!on) return;
    const sp = Number($('speed').value);
    const tick = Math.max(16, 1000 / sp), per = Math.max(1, Math.round(sp * tick / 1000));
    timer = setInterval(() => {
      if (cur >= NSTEPS - 1) { play(false); return; }
      go(cur + per);
    }, tick);
  }
  $('btn-first').onclick = () => go(0);
  $('btn-prev').onclick = () => go(cur - 1);
  $('btn-next').onclick = () => go(cur + 1);
  $('btn-last').onclick = () => go(NSTEPS - 1);
  $('btn-play').onclick = () => play(!timer);
  $('speed').onchange = () => { if (timer) play(true); };
  slider.oninput = () => go(Number(slider.value));
  $('btn-jump').onclick = () => go(Number($('jump-op').value));
  $('jump-op').onkeydown = (e) => { if (e.key === 'Enter') { go(Number($('jump-op').value)); e.preventDefault(); } };
  $('btn-next-kind').onclick = () => nextKind($('kind').value);
  document.addEventListener('keydown', (e) => {
    if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT')) return;
    const k = e.key;
    if (k === 'ArrowRight') go(cur + 1);
    else if (k === 'ArrowLeft') go(cur - 1);
    else if (k === ' ') play(!timer);
    else if (k === 'Home') go(0);
    else if (k === 'End') go(NSTEPS - 1);
    else if (k === 'n') nextKind($('kind').value);
    else if (k === 'g') nextKind('grow');
    else if (k === 's') nextKind('split');
    else if (k === 'p') nextKind('prune');
    else if (k === 'j') { $('jump-op').focus(); $('jump-op').select(); }
    else return;
    e.preventDefault();
  });
  window.addEventListener('resize', () => render());
  // A small API for tests and the curious (read-only views of the state).
  window.gomapViz = {
    steps: NSTEPS,
    go: (n) => { go(n); return cur; },
    cur: () => cur,
    counters: (impl) => Object.assign({}, views.find((v) => v.impl === impl).ctr),
    state: (impl) => views.find((v) => v.impl === impl).state(),
    nextKind,
    moveOnly: (n) => { moveTo(n); return cur; },
  };
  go(0);
})();
