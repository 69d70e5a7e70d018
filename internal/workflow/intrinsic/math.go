package intrinsic

import (
	"math/rand/v2"
)

// The intrinsics for math operations (AWS guide › Intrinsics for Math
// operations).

// evalMathRandom: States.MathRandom(start, end[, seed]) returns a random
// integer n with start <= n < end (AWS: start inclusive, end exclusive).
// start and end are rounded to the nearest integer, must lie in the range
// of a 32-bit integer, and end must exceed start. With a seed (an integer,
// rounded likewise, any 64-bit value) the result is determined by start,
// end and seed: the same seed gives the same number. The sequence is not
// the one AWS's generator produces for that seed, and is not
// cryptographically secure.
func evalMathRandom(c *Call, args []any) (any, error) {
	name := c.fn.name
	start, err := int32Arg(name, 0, args[0])
	if err != nil {
		return nil, err
	}
	end, err := int32Arg(name, 1, args[1])
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, failf("The end (%d) given to States.MathRandom must be greater than the start (%d)", end, start)
	}
	span := end - start
	if len(args) == 3 {
		seed, st := toInt(args[2], true)
		if st != intOK {
			return nil, argError(name, 2, "an integer (the seed)", args[2])
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
		return intNumber(start + r.Int64N(span)), nil
	}
	return intNumber(start + rand.Int64N(span)), nil
}

// evalMathAdd: States.MathAdd(a, b) returns a + b. Both are rounded to the
// nearest integer and must then lie in [-2147483648, 2147483647], as AWS
// requires; the sum is exact (it may leave that range).
func evalMathAdd(c *Call, args []any) (any, error) {
	name := c.fn.name
	a, err := int32Arg(name, 0, args[0])
	if err != nil {
		return nil, err
	}
	b, err := int32Arg(name, 1, args[1])
	if err != nil {
		return nil, err
	}
	return intNumber(a + b), nil
}
