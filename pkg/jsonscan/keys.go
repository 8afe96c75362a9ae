package jsonscan

// smallObject is how many members an object may have before duplicate
// detection switches from a linear scan to a map.
const smallObject = 32

// keyRef is one member name seen in the object being scanned.
type keyRef struct {
	hash uint64
	off  int // into scanner.keyBuf
	n    int
}

// duplicate reports whether key, the decoded name of member n of the
// object whose names start at keys[keysStart] and which is held at
// keyBuf[off:], repeats an earlier name, and records it. The first
// smallObject names are compared through keys (key stays in keyBuf);
// past them, through *big.
func (s *scanner) duplicate(keysStart, off int, key []byte, n int, big *map[string]struct{}) bool {
	if n <= smallObject {
		h := hashKey(key)
		for _, r := range s.keys[keysStart:] {
			if r.hash == h && string(s.keyBuf[r.off:r.off+r.n]) == string(key) {
				return true
			}
		}
		s.keys = append(s.keys, keyRef{hash: h, off: off, n: len(key)})
		return false
	}
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
