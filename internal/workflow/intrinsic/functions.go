package intrinsic

import "fmt"

// function is one intrinsic: its name, the number of arguments it takes
// (maxArgs < 0: no upper limit) and its evaluation over the argument
// values.
type function struct {
	name             string
	minArgs, maxArgs int
	eval             func(c *Call, args []any) (any, error)
}

// lookup returns the function called name, or nil. The set is fixed by the
// Amazon States Language; it is a switch rather than a package-level map so
// that nothing in the package is mutable.
func lookup(name string) *function {
	switch name {
	case "States.Format":
		return &function{name, 1, -1, evalFormat}
	case "States.StringToJson":
		return &function{name, 1, 1, evalStringToJSON}
	case "States.JsonToString":
		return &function{name, 1, 1, evalJSONToString}
	case "States.Array":
		return &function{name, 0, -1, evalArray}
	case "States.ArrayPartition":
		return &function{name, 2, 2, evalArrayPartition}
	case "States.ArrayContains":
		return &function{name, 2, 2, evalArrayContains}
	case "States.ArrayRange":
		return &function{name, 3, 3, evalArrayRange}
	case "States.ArrayGetItem":
		return &function{name, 2, 2, evalArrayGetItem}
	case "States.ArrayLength":
		return &function{name, 1, 1, evalArrayLength}
	case "States.ArrayUnique":
		return &function{name, 1, 1, evalArrayUnique}
	case "States.Base64Encode":
		return &function{name, 1, 1, evalBase64Encode}
	case "States.Base64Decode":
		return &function{name, 1, 1, evalBase64Decode}
	case "States.Hash":
		return &function{name, 2, 2, evalHash}
	case "States.JsonMerge":
		return &function{name, 3, 3, evalJSONMerge}
	case "States.MathRandom":
		return &function{name, 2, 3, evalMathRandom}
	case "States.MathAdd":
		return &function{name, 2, 2, evalMathAdd}
	case "States.StringSplit":
		return &function{name, 2, 2, evalStringSplit}
	case "States.UUID":
		return &function{name, 0, 0, evalUUID}
	}
	return nil
}

// names lists every function lookup knows, for suggestions.
func names() []string {
	return []string{
		"States.Format", "States.StringToJson", "States.JsonToString",
		"States.Array", "States.ArrayPartition", "States.ArrayContains",
		"States.ArrayRange", "States.ArrayGetItem", "States.ArrayLength",
		"States.ArrayUnique", "States.Base64Encode", "States.Base64Decode",
		"States.Hash", "States.JsonMerge", "States.MathRandom",
		"States.MathAdd", "States.StringSplit", "States.UUID",
	}
}

// arity describes the number of arguments fn takes, for messages.
func (fn *function) arity() string {
	switch {
	case fn.maxArgs == 0:
		return "no arguments"
	case fn.maxArgs < 0:
		return "at least " + plural(fn.minArgs, "argument")
	case fn.minArgs == fn.maxArgs:
		return plural(fn.minArgs, "argument")
	default:
		return fmt.Sprintf("%d or %d arguments", fn.minArgs, fn.maxArgs)
	}
}

// argError is the failure for an argument value fn does not accept: i is
// the 0-based argument index and rule what the value must be ("an array").
func argError(fn string, i int, rule string, v any) *Error {
	return failf("The value of the %s argument of %s must be %s, but was %s", ordinal(i), fn, rule, describe(v))
}

// ordinal returns "1st", "2nd", "3rd", … for the 0-based index i.
func ordinal(i int) string {
	n := i + 1
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
