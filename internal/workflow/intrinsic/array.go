package intrinsic

import "slices"

// The intrinsics for arrays (AWS guide › Intrinsics for arrays).

// maxRange is the most elements States.ArrayRange may produce.
const maxRange = 1000

// evalArray: States.Array(v...) returns its arguments as an array, in
// order; with none, an empty array.
func evalArray(_ *Call, args []any) (any, error) {
	return append(make([]any, 0, len(args)), args...), nil
}

// evalArrayPartition: States.ArrayPartition(array, size) splits array into
// chunks of size elements, the last one possibly shorter; an empty array
// gives an empty array. size is rounded to the nearest integer (AWS:
// "Step Functions will round it off") and must then be at least 1.
func evalArrayPartition(c *Call, args []any) (any, error) {
	name := c.fn.name
	arr, ok := args[0].([]any)
	if !ok {
		return nil, argError(name, 0, "an array", args[0])
	}
	size, err := int32Arg(name, 1, args[1])
	if err != nil {
		return nil, err
	}
	if size < 1 {
		return nil, argError(name, 1, "a positive integer (the chunk size)", args[1])
	}
	out := make([]any, 0, (int64(len(arr))+size-1)/size)
	for i := 0; i < len(arr); {
		end := len(arr)
		if int64(end-i) > size {
			end = i + int(size)
		}
		out = append(out, slices.Clone(arr[i:end]))
		i = end
	}
	return out, nil
}

// evalArrayContains: States.ArrayContains(array, value) reports whether an
// element of array equals value as JSON (see equalKey: numbers compare by
// value, objects regardless of member order).
func evalArrayContains(c *Call, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, argError(c.fn.name, 0, "an array", args[0])
	}
	want := equalKey(args[1])
	for _, e := range arr {
		if equalKey(e) == want {
			return true, nil
		}
	}
	return false, nil
}

// evalArrayRange: States.ArrayRange(first, last, step) returns first,
// first+step, … up to and including last when the steps reach it exactly,
// never past it. All three are rounded to the nearest integer (AWS: "Step
// Functions will round it off"); step must not then be 0 and may be
// negative for a descending range. A range that does not head towards last
// (ArrayRange(5, 1, 1)) is empty; one of more than 1000 elements is a
// failure.
func evalArrayRange(c *Call, args []any) (any, error) {
	name := c.fn.name
	var n [3]int64
	for i := range n {
		v, err := int32Arg(name, i, args[i])
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	first, last, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, argError(name, 2, "a non-zero integer (the step)", args[2])
	}
	count := int64(0)
	if span := last - first; span == 0 || span > 0 == (step > 0) {
		count = span/step + 1
	}
	if count > maxRange {
		return nil, failf("States.ArrayRange would return %d elements; at most %d are allowed", count, maxRange)
	}
	out := make([]any, count)
	for i := range out {
		out[i] = intNumber(first + int64(i)*step)
	}
	return out, nil
}

// evalArrayGetItem: States.ArrayGetItem(array, index) returns the element
// at the 0-based index. AWS documents no rounding here, so index must be
// written as an integer (5, not 5.0 or 5e0), and within the array.
func evalArrayGetItem(c *Call, args []any) (any, error) {
	name := c.fn.name
	arr, ok := args[0].([]any)
	if !ok {
		return nil, argError(name, 0, "an array", args[0])
	}
	i, st := toInt(args[1], false)
	switch {
	case st == intNotNumber || st == intNotInteger:
		return nil, argError(name, 1, "an integer", args[1])
	case st == intOutOfRange || i < 0 || i >= int64(len(arr)):
		return nil, failf("The index %s given to States.ArrayGetItem is out of bounds for an array of length %d",
			describeIndex(args[1]), len(arr))
	}
	return arr[i], nil
}

func describeIndex(v any) string {
	t, _ := numberText(v)
	return t
}

// evalArrayLength: States.ArrayLength(array) returns the number of
// elements.
func evalArrayLength(c *Call, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, argError(c.fn.name, 0, "an array", args[0])
	}
	return intNumber(int64(len(arr))), nil
}

// evalArrayUnique: States.ArrayUnique(array) removes repeated elements,
// keeping the first of each in its original position; equality is
// equalKey's.
func evalArrayUnique(c *Call, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, argError(c.fn.name, 0, "an array", args[0])
	}
	seen := make(map[string]bool, len(arr))
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		k := equalKey(e)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out, nil
}
