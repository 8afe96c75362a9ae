package jsonscan_test

import (
	"fmt"

	"github.com/warden-gw/warden/pkg/jsonscan"
)

func ExampleScanner_Check() {
	o := jsonscan.New(jsonscan.Options{MaxDepth: 2, RefuseDuplicateKeys: true, StrictUTF8: true})
	fmt.Println(o.Check([]byte(`{"a":[1,2]}`)))
	fmt.Println(o.Check([]byte(`{"a":[[1]]}`)))
	fmt.Println(o.Check([]byte(`{"a":1,"\u0061":2}`)))
	// Output:
	// <nil>
	// json_too_deep at byte 6 (limit 2)
	// json_duplicate_key at byte 7
}

func ExampleScanner_Members() {
	o := jsonscan.New(jsonscan.Options{})
	err := o.Members([]byte(`{"alg":"ES256","kid":"k\u0031","crit":["b64"]}`), func(name string, raw []byte) error {
		fmt.Printf("%s = %s\n", name, raw)
		return nil
	})
	fmt.Println(err)
	// Output:
	// alg = "ES256"
	// kid = "k\u0031"
	// crit = ["b64"]
	// <nil>
}

func ExampleScanner_Visit() {
	o := jsonscan.New(jsonscan.Options{Pairs: func(name []byte) jsonscan.PairRole {
		switch string(name) {
		case "name":
			return jsonscan.PairName
		case "value":
			return jsonscan.PairValue
		}
		return jsonscan.NotPaired
	}})
	doc := []byte(`{"env":[{"name":"API_TOKEN","value":"s3cr\u0065t"}]}`)
	_ = o.Visit(doc, func(s jsonscan.String) {
		if !s.IsKey {
			fmt.Printf("%s %s=%s at [%d,%d)\n", s.Pointer(nil), s.Member, s.Value, s.Start, s.End)
		}
	})
	// Output:
	// /env/0/name name=API_TOKEN at [16,27)
	// /env/0/value API_TOKEN=s3cret at [36,49)
}
