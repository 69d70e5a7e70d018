package workflow

import (
	"testing"
	"time"
)

// FuzzCompile feeds arbitrary definitions to the validator and runs those
// that compile for a bounded number of states, answering every task and
// timer: nothing may panic, and a definition that compiles must validate
// OK.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Add([]byte(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatches":"x*","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`))
	f.Add([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.a","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`))
	f.Fuzz(func(t *testing.T, def []byte) {
		m, diags := Compile(def)
		v := Validate(def)
		if (m != nil) != (v.Result == "OK") {
			t.Fatalf("Compile returned %v but Validate says %s (%v)", m != nil, v.Result, diags)
		}
		if m == nil {
			return
		}
		now := time.Unix(0, 0)
		e, err := m.Start([]byte(`{"a":[1,"x",{"b":null}],"n":3,"s":"web-1"}`), StartOptions{Name: "fuzz"}, now)
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; step < 50 && !e.Done(); step++ {
			m.Advance(e, now, func(r *Request) *Response { return &Response{Output: r.Parameters} })
			for _, r := range e.Pending {
				if r.Kind == KindTimer {
					now = now.Add(time.Second)
					m.Deliver(e, Response{ID: r.ID}, now)
					break
				}
			}
		}
		if _, err := MarshalExecution(e); err != nil {
			t.Fatalf("execution does not encode: %v", err)
		}
	})
}

// FuzzPath parses arbitrary paths and evaluates those that parse against
// a document, the context object and a variable; nothing may panic.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a", "$.a[0].b", "$['a b']", "$..b", "$.a[?(@.b > 1)]", "$$.Execution.Id", "$v.x", "$.a[-1:]", "$.a.*"} {
		f.Add(s)
	}
	doc, _ := decodeJSON([]byte(`{"a":[{"b":2},{"b":null},3],"a b":true}`))
	f.Fuzz(func(t *testing.T, src string) {
		p, err := parsePath(src)
		if err != nil {
			return
		}
		e := &Execution{Threads: map[int]*Thread{}}
		th := &Thread{Parent: -1, Vars: map[string]any{"v": doc}}
		e.Threads[0] = th
		s := &scope{input: doc, context: map[string]any{"Execution": map[string]any{"Id": "x"}}, vars: &varScope{e, th}}
		p.eval(s)
		if rp, err := parseRefPath(src); err == nil {
			_, _ = rp.set(doc, "x")
		}
	})
}
