package intrinsic_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/workflow/intrinsic"
)

// Parse once when the definition is validated; Eval on every execution,
// with a Resolver over that execution's input.
func Example() {
	call, err := intrinsic.Parse(`States.Format('Alarm {} is {}', $.alarm, States.ArrayGetItem($.states, 0))`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(call.Paths())

	dec := json.NewDecoder(strings.NewReader(`{"alarm": "HighCPU", "states": ["ALARM", "OK"]}`))
	dec.UseNumber()
	var input map[string]any
	if err := dec.Decode(&input); err != nil {
		fmt.Println(err)
		return
	}
	resolve := func(path string) (any, error) {
		// A real resolver evaluates JSONPath; this one knows two fields.
		v, ok := input[strings.TrimPrefix(path, "$.")]
		if !ok {
			return nil, fmt.Errorf("path %s selects nothing", path)
		}
		return v, nil
	}
	out, err := call.Eval(resolve)
	fmt.Printf("%q %v\n", out, err)
	// Output:
	// [$.alarm $.states]
	// "Alarm HighCPU is ALARM" <nil>
}

func ExampleParse_syntaxError() {
	_, err := intrinsic.Parse(`States.ArrayLenght($.items)`)
	var se *intrinsic.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Offset, se.Msg)
	}
	// Output:
	// 0 unknown intrinsic function States.ArrayLenght; did you mean States.ArrayLength?
}

func ExampleCall_Eval_failure() {
	call, _ := intrinsic.Parse(`States.MathAdd(1, 'two')`)
	_, err := call.Eval(nil)
	var ie *intrinsic.Error
	if errors.As(err, &ie) {
		fmt.Println(ie.Name)
		fmt.Println(ie.Cause)
	}
	// Output:
	// States.IntrinsicFailure
	// The value of the 2nd argument of States.MathAdd must be a number, but was the string "two"
}

func ExampleLooks() {
	fmt.Println(intrinsic.Looks("States.UUID()"), intrinsic.Looks("$.detail.id"))
	// Output: true false
}
