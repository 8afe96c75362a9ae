package jsonscan

// smallObject is how many members an object may have before duplicate
// detection switches from a linear scan to a map.
const smallObject = 32

// keyRef is one member name seen in the object being scanned.
type keyRef struct {
	hash uint64
	off  int // into state.keyBuf
	n    int
}

// duplicateBig reports whether key, a member name past the first
// smallObject of the object whose names start at keys[keysStart], repeats
// an earlier name, and records it in *big (made from keys on first use).
func (s *state) duplicateBig(keysStart int, key []byte, big *map[string]struct{}) bool {
	if *big == nil {
		*big = make(map[string]struct{}, 2*smallObject)
		for _, r := range s.keys[keysStart:] {
			(*big)[string(s.keyBuf[r.off:r.off+r.n])] = struct{}{}
		}
	}
	if _, dup := (*big)[string(key)]; dup {
		return true
	}
	(*big)[string(key)] = struct{}{}
	return false
}

// hashKey is FNV-1a: cheap, and only a filter before comparing bytes.
func hashKey(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
