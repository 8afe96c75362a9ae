package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
)

// Reading doc comments from the Go sources of the config types.

func (d *docIndex) field(t reflect.Type, field string) (string, error) {
	pkg := t.PkgPath()
	types, ok := d.cache[pkg]
	if !ok {
		rel, found := strings.CutPrefix(pkg, modulePath+"/")
		if !found {
			return "", nil
		}
		var err error
		if types, err = structDocs(filepath.Join(d.root, filepath.FromSlash(rel))); err != nil {
			return "", err
		}
		d.cache[pkg] = types
	}
	return types[t.Name()][field], nil
}

// structDocs parses the non-test Go files of dir and returns every struct
// field's doc comment by type and field name.
func structDocs(dir string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			fields := map[string]string{}
			for _, fl := range st.Fields.List {
				for _, name := range fl.Names {
					fields[name.Name] = fl.Doc.Text()
				}
			}
			out[ts.Name.Name] = fields
			return true
		})
	}
	return out, nil
}

// packageDoc returns the package comment of the main package in dir.
func packageDoc(dir string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, "main.go"), nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", err
	}
	doc := strings.Join(strings.Fields(f.Doc.Text()), " ")
	// "Command warden-x is ..." reads as "warden-x is ..." on its own page.
	return strings.TrimPrefix(doc, "Command "), nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the Warden module")
	}
	return filepath.Dir(mod), nil
}

// docIndex reads struct field comments from the source of the config
// types' packages.
type docIndex struct {
	root  string
	cache map[string]map[string]map[string]string // pkg path -> type -> field -> doc
}
