package leakguard

// A keyword rule's regex runs over windows: each keyword hit gives a raw
// window (Back bytes before the keyword to Window bytes after it, or to
// the END line or the separator for PEM and run rules), extendStart and
// extendEnd grow it to separators, and windows that overlap or touch are merged.
// keyWindows builds that set as hits stream in, with no list of hits and
// no cap on their number, so the windows never depend on how many hits a
// body has.
//
// It rests on two facts. extendStart and extendEnd are monotone: a later
// raw edge never extends to an earlier edge. And a rule's hits come in
// order of their end, so raw window ends never decrease. Hence a merged
// window is [extendStart(lo), extendEnd(hi)] for the least raw start lo
// and the greatest raw end hi of its hits, and a hit whose raw window
// overlaps the last one's raw span joins it without extending anything.
// Edges are extended only when a hit falls past the last raw span: at
// most one extension per window, not per hit, so a body full of hits
// costs the scan plus one regex pass over each window.

// keyWindow is one merged window of a rule.
type keyWindow struct {
	lo, hi int // raw span: least start and greatest end of its hits' windows
	start  int // extendStart(lo)
	end    int // extendEnd(endOf), current when endOf == hi
	endOf  int
}

// keyWindows holds a rule's windows in order; they neither overlap nor
// touch. The last one may still grow.
type keyWindows struct {
	list []keyWindow
}

// extEnd returns w's extended end, extending it once per raw end.
func (w *keyWindow) extEnd(data []byte) int {
	if w.endOf != w.hi {
		w.end, w.endOf = extendEnd(data, w.hi), w.hi
	}
	return w.end
}

// add merges the raw window of one hit into the rule's windows.
func (k *keyWindows) add(data []byte, raw window) {
	n := len(k.list)
	if n == 0 {
		k.list = append(k.list, keyWindow{lo: raw.start, hi: raw.end, start: extendStart(data, raw.start, 0), endOf: -1})
		return
	}
	last := &k.list[n-1]
	if raw.start > last.hi {
		// Apart before extension: do the extended windows meet? Only the
		// bytes between them need a look, so floor the search at the end.
		end := last.extEnd(data)
		if start := extendStart(data, raw.start, end); start > end {
			k.list = append(k.list, keyWindow{lo: raw.start, hi: raw.end, start: start, endOf: -1})
			return
		}
		last.hi = max(last.hi, raw.end)
		return
	}
	last.hi = max(last.hi, raw.end)
	if raw.start >= last.lo {
		return
	}
	// A longer keyword can start before the span: the window grows back
	// and may swallow the windows before it.
	last.lo, last.start = raw.start, extendStart(data, raw.start, 0)
	for n > 1 && last.start <= k.list[n-2].end {
		prev := k.list[n-2]
		last.lo, last.start = prev.lo, prev.start
		k.list[n-2] = *last
		k.list = k.list[:n-1]
		n--
		last = &k.list[n-1]
	}
}

// windowSlack is how much further a window grows to reach a separator.
const windowSlack = 256

// A window's edges are clamped to data and moved outwards to the nearest
// separator (whitespace, quote, bracket, comma...) within windowSlack, so
// that the regex sees the same word boundaries at a cut as in the whole
// input.

// extendStart is the extended start for a raw start x. With floor > 0 it
// looks no further back than floor: the result is exact when above
// floor, else some offset at or below floor, which is all a caller asking
// "does it reach floor?" needs.
func extendStart(data []byte, x, floor int) int {
	x = max(x, 0)
	for lim := max(0, x-windowSlack, floor); x > lim && !isSeparator(data[x-1]); x-- {
	}
	return x
}

// extendEnd is the extended end for a raw end x.
func extendEnd(data []byte, x int) int {
	x = min(x, len(data))
	for lim := min(len(data), x+windowSlack); x < lim && !isSeparator(data[x]); x++ {
	}
	return x
}
