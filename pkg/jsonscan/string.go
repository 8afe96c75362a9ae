package jsonscan

import "unicode/utf8"

// plain marks the bytes a string may hold without further thought:
// printable ASCII other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// isPlain reports whether every byte of b is plain.
func isPlain(b []byte) bool {
	for _, c := range b {
		if !plain[c] {
			return false
		}
	}
	return true
}

// str scans a string value. When build is set it returns the string as
// encoding/json decodes it (sharing no memory with the input).
func (s *state) str(max int, code string, build bool) (string, error) {
	if !build {
		_, err := s.scanString(max, code, nil)
		return "", err
	}
	s.strBuf = s.strBuf[:0]
	start := s.i + 1
	escaped, err := s.scanString(max, code, &s.strBuf)
	switch {
	case err != nil:
		return "", err
	case escaped:
		return string(s.strBuf), nil
	case s.invalid:
		s.strBuf = appendText(s.strBuf, s.b[start:s.i-1], true)
		return string(s.strBuf), nil
	}
	return string(s.b[start : s.i-1]), nil
}

// keyInto scans a member name and appends it, decoded as encoding/json
// decodes it, to keyBuf: always when all is set, else only when it has
// an escape. It reports whether the name had an escape.
func (s *state) keyInto(all bool) (bool, error) {
	start := s.i + 1
	escaped, err := s.scanString(s.o.MaxKeyLength, CodeKeyTooLong, &s.keyBuf)
	switch {
	case err != nil || escaped || !all:
	case s.invalid:
		s.keyBuf = appendText(s.keyBuf, s.b[start:s.i-1], true)
	default:
		s.keyBuf = append(s.keyBuf, s.b[start:s.i-1]...)
	}
	return escaped, err
}

// appendText appends text to dst, each invalid UTF-8 byte as U+FFFD when
// invalid says there are some.
func appendText(dst, text []byte, invalid bool) []byte {
	if !invalid {
		return append(dst, text...)
	}
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, text[:size]...)
		}
		text = text[size:]
	}
	return dst
}

// scanString scans the string starting at s.b[s.i] (a '"'), leaving s.i
// after the closing quote. It counts characters against max and checks
// escapes and UTF-8 (refusing invalid UTF-8 under StrictUTF8). When out
// is not nil and the string has an escape, it appends the whole string,
// decoded as encoding/json decodes it, to *out. It reports whether the
// string had an escape (when it had none, *out is untouched); s.invalid
// says whether it held invalid UTF-8 bytes (never under StrictUTF8).
func (s *state) scanString(max int, code string, out *[]byte) (escaped bool, err error) {
	start := s.i
	s.i++
	s.invalid = false
	chars := 0
	seg := s.i // start of the not yet copied run, when unescaping
	for {
		// A run of plain bytes, in locals: through s, its fields would
		// be loaded and stored again for every byte.
		i, b := s.i, s.b
		run := i
		for i < len(b) && plain[b[i]] {
			i++
		}
		s.i = i
		if chars += s.i - run; chars > max {
			s.i = start
			return false, s.fail(code, max)
		}
		if s.i >= len(s.b) {
			return false, s.fail(CodeSyntax, 0)
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			if escaped && out != nil {
				*out = append(*out, s.b[seg:s.i]...)
			}
			s.i++
			return escaped, nil
		case c == '\\':
			if !escaped && out != nil {
				*out = appendText(*out, s.b[start+1:s.i], s.invalid)
			} else if out != nil {
				*out = append(*out, s.b[seg:s.i]...)
			}
			escaped = true
			if err := s.escape(out); err != nil {
				return false, err
			}
			seg = s.i
			chars++
		case c < 0x20:
			return false, s.fail(CodeSyntax, 0)
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				if s.o.StrictUTF8 {
					return false, s.fail(CodeInvalidUTF8, 0)
				}
				s.invalid = true
				if escaped && out != nil {
					*out = utf8.AppendRune(append(*out, s.b[seg:s.i]...), utf8.RuneError)
					seg = s.i + 1
				}
			}
			s.i += size
			chars++
		}
	}
}

// escape reads one escape sequence at s.b[s.i] ('\\'), appending its
// character to *out when out is not nil. A \u escape of half a surrogate
// pair decodes to no character at all: StrictUTF8 refuses it, otherwise
// it reads as U+FFFD, as encoding/json reads it.
func (s *state) escape(out *[]byte) error {
	if s.i+1 >= len(s.b) {
		return s.fail(CodeSyntax, 0)
	}
	var c byte
	switch s.b[s.i+1] {
	case '"':
		c = '"'
	case '\\':
		c = '\\'
	case '/':
		c = '/'
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		r, ok := hex4(s.b[s.i+2:])
		if !ok {
			return s.fail(CodeSyntax, 0)
		}
		s.i += 6
		if r >= 0xD800 && r <= 0xDFFF {
			var err error
			if r, err = s.surrogate(r); err != nil {
				return err
			}
		}
		if out != nil {
			*out = utf8.AppendRune(*out, r)
		}
		return nil
	default:
		return s.fail(CodeSyntax, 0)
	}
	s.i += 2
	if out != nil {
		*out = append(*out, c)
	}
	return nil
}

// surrogate completes the surrogate r just read from a \u escape: a high
// one followed by an escaped low one is a pair, consumed; anything else
// is refused under StrictUTF8, or U+FFFD (consuming only r's escape).
func (s *state) surrogate(r rune) (rune, error) {
	bad := func() (rune, error) {
		if s.o.StrictUTF8 {
			return 0, s.fail(CodeInvalidUTF8, 0)
		}
		return utf8.RuneError, nil
	}
	if r >= 0xDC00 || len(s.b)-s.i < 2 || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
		return bad()
	}
	lo, ok := hex4(s.b[s.i+2:])
	if !ok {
		return 0, s.fail(CodeSyntax, 0)
	}
	if lo < 0xDC00 || lo > 0xDFFF {
		return bad()
	}
	s.i += 6
	return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
