package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error Load returns for a config that
// cannot be used.
var ErrInvalid = errors.New("invalid config")

// FieldError is a problem with one config field, named by its path from
// the config root: "rules[2].path".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Is lets errors.Is(err, ErrInvalid) match every field error.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Errorf returns a FieldError for path.
func Errorf(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Errors collects every problem a Validate method finds, so an operator
// sees them all at once.
type Errors struct {
	errs []error
}

// Add records a problem with the field at path.
func (e *Errors) Add(path, format string, args ...any) {
	e.errs = append(e.errs, Errorf(path, format, args...))
}

// Check records err, if not nil, under path: field errors inside it get
// path prefixed, any other error becomes a field error at path.
func (e *Errors) Check(path string, err error) {
	if err != nil {
		e.errs = append(e.errs, Prefix(path, err))
	}
}

// Err returns the joined problems, or nil.
func (e *Errors) Err() error {
	return errors.Join(e.errs...)
}

// Prefix puts parent in front of the path of every field error in err.
func Prefix(parent string, err error) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range Flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) {
			out = append(out, &FieldError{Path: joinPath(parent, fe.Path), Msg: fe.Msg})
			continue
		}
		out = append(out, &FieldError{Path: parent, Msg: e.Error()})
	}
	return errors.Join(out...)
}

// Flatten unpacks joined errors into a list.
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

var position = regexp.MustCompile(`\[(\d+)\]`)

// KongPositions writes the list positions of a path as Kong counts them,
// from 1: Go code builds paths from slice indices (rules[0].paths[2]), and
// Kong's own schema errors say rules[1].paths[3]. Everything an operator
// reads uses Kong's convention.
func KongPositions(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	return position.ReplaceAllStringFunc(path, func(m string) string {
		n, err := strconv.Atoi(m[1 : len(m)-1])
		if err != nil {
			return m
		}
		return "[" + strconv.Itoa(n+1) + "]"
	})
}

// KongSummary is Summary with every field path's positions counted from 1
// (KongPositions), for operators.
func KongSummary(err error) string {
	var parts []string
	for _, e := range Flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) {
			parts = append(parts, (&FieldError{Path: KongPositions(fe.Path), Msg: fe.Msg}).Error())
			continue
		}
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

// Summary renders every problem in err on one line, separated by "; ".
func Summary(err error) string {
	var parts []string
	for _, e := range Flatten(err) {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

func joinPath(parent, child string) string {
	switch {
	case parent == "":
		return child
	case child == "":
		return parent
	case strings.HasPrefix(child, "["):
		return parent + child
	}
	return parent + "." + child
}
