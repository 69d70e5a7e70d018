package jsonata

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand"
	randv2 "math/rand/v2"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	lib "github.com/xiatechs/jsonata-go"
	"github.com/xiatechs/jsonata-go/jlib"
	"github.com/xiatechs/jsonata-go/jtypes"
)

// maxRangeItems is the most items $range returns, the limit AWS documents
// for States.ArrayRange, of which $range is the JSONata equivalent.
const maxRangeItems = 1000

// maxCallDepth bounds the nesting of JSONata function (lambda) calls in
// one evaluation. The library evaluates recursively and a Go stack overflow
// kills the process. It also wraps an error's message once per call level
// as the error returns through them, which costs time quadratic in the
// depth. jsonata-js in Node.js manages a few thousand levels before
// "Maximum call stack size exceeded" (more for tail calls, which it
// optimizes and the library does not); 2000 levels use a few MB of Go stack
// and an error at that depth takes milliseconds to return.
const maxCallDepth = 2000

// callDepth is the current lambda nesting; evaluations are serialized by
// evalMu, which guards it, and it is reset at the start of each.
var callDepth int

// errCallDepth is what enterFunction panics with (see there).
var errCallDepth = fmt.Errorf("stack overflow: function calls nest more than %d deep", maxCallDepth)

var (
	argUndefined0 = jtypes.ArgUndefined(0)
	argCount0     = jtypes.ArgCountEquals(0)
)

// extensions are the functions registered on every evaluation: the ones
// Step Functions adds (section "JSONata functions provided by Step
// Functions" of the AWS guide), replacements for library functions that
// differ from JSONata 2.0.6, and the call-depth counters.
var extensions = map[string]lib.Extension{
	// Step Functions functions.
	"partition": {Func: sfnPartition},
	"range":     {Func: sfnRange},
	"hash":      {Func: sfnHash},
	"random":    {Func: sfnRandom},
	"uuid":      {Func: sfnUUID},
	"parse":     {Func: sfnParse, UndefinedHandler: argUndefined0},

	// "$eval is not available - use $parse instead" (AWS guide). The
	// library's $eval is not JSONata's anyway.
	"eval": {Func: evalUnsupported},

	// Replacements for library functions.
	"string":   {Func: jsString, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},
	"toMillis": {Func: toMillis, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},
	"keys":     {Func: sortedKeys, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},
	"assert":   {Func: assert},
	"number":   {Func: toNumber, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},

	"encodeUrlComponent": {Func: encodeURIComponent, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},
	"encodeUrl":          {Func: encodeURI, UndefinedHandler: argUndefined0, EvalContextHandler: argCount0},

	enterName: {Func: enterFunction},
	exitName:  {Func: exitFunction},
}

// hiddenFunctions are functions the library adds that are not JSONata
// functions (nor Step Functions ones). They are bound to "undefined" so that
// calling them fails as it would on AWS.
var hiddenFunctions = []string{
	"accumulatingSlice", "dateTimeDim", "dateTimeDimLite", "hash256", "hashmd5",
	"objectsToDocument", "objmerge", "oneToManyJoin", "renameKeys", "sjoin",
	"timeSince", "unescape",
}

// enterFunction is called at the start of every lambda body. When calls
// nest deeper than maxCallDepth it panics (Expr.eval recovers): returning an
// error would make the library rewrap the message at every level on the
// way out.
func enterFunction() (any, error) {
	callDepth++
	if callDepth > maxCallDepth {
		panic(errCallDepth)
	}
	return nil, jtypes.ErrUndefined
}

// exitFunction is called when a lambda body has been evaluated.
func exitFunction() (any, error) {
	callDepth--
	return nil, jtypes.ErrUndefined
}

// sfnPartition is $partition(array, size): the array in chunks of size
// items, the last chunk possibly shorter.
func sfnPartition(arr reflect.Value, size float64) (any, error) {
	n := math.Floor(size)
	if !(n >= 1) || n > math.MaxInt32 {
		return nil, fmt.Errorf("$partition: the chunk size must be a positive integer, got %v", size)
	}
	items := arrayItems(arr)
	chunk := int(n)
	out := make([]any, 0, (len(items)+chunk-1)/chunk)
	for i := 0; i < len(items); i += chunk {
		end := min(i+chunk, len(items))
		out = append(out, append([]any(nil), items[i:end]...))
	}
	return out, nil
}

// arrayItems returns the items of a JSONata array, or the value as a
// one-item array (JSONata's singleton rule), or none for undefined.
func arrayItems(v reflect.Value) []any {
	v = jtypes.Resolve(v)
	if !v.IsValid() {
		return nil
	}
	if jtypes.IsArray(v) {
		out := make([]any, v.Len())
		for i := range out {
			if e := v.Index(i); e.CanInterface() {
				out[i] = e.Interface()
			}
		}
		return out
	}
	if !v.CanInterface() {
		return nil
	}
	return []any{v.Interface()}
}

// sfnRange is $range(start, end, step): start, start+step, ... up to and
// including end (for a negative step, down to end). Non-integers are
// rounded down, as the guide says of all integer parameters.
func sfnRange(start, end, step float64) (any, error) {
	start, end, step = math.Floor(start), math.Floor(end), math.Floor(step)
	if step == 0 {
		return nil, errors.New("$range: the step must not be zero")
	}
	if math.IsInf(start, 0) || math.IsInf(end, 0) || math.IsInf(step, 0) {
		return nil, errors.New("$range: arguments must be finite")
	}
	count := math.Floor((end-start)/step) + 1
	if count < 0 {
		count = 0
	}
	if count > maxRangeItems {
		return nil, fmt.Errorf("$range: the result would have %v items, more than %d", count, maxRangeItems)
	}
	out := make([]any, 0, int(count))
	for i := 0; i < int(count); i++ {
		out = append(out, start+float64(i)*step)
	}
	if len(out) == 1 {
		// A sequence of one is its value in JSONata (recorded AWS
		// behaviour: $range(1, 9, 9) is 1).
		return out[0], nil
	}
	return out, nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

// sfnHash is $hash(string, algorithm): the hex digest of the UTF-8 bytes.
func sfnHash(data, algorithm string) (string, error) {
	newHash, ok := hashes[algorithm]
	if !ok {
		return "", fmt.Errorf("$hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got %q", algorithm)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sfnRandom is $random([seed]): a number n with 0 <= n < 1. With a seed
// (rounded down to an integer) the number is always the same for that seed.
func sfnRandom(seed jtypes.OptionalFloat64) (float64, error) {
	if !seed.IsSet() {
		return randv2.Float64(), nil
	}
	s := math.Floor(seed.Float64)
	if math.IsNaN(s) || math.IsInf(s, 0) || math.Abs(s) > 1<<53 {
		return 0, fmt.Errorf("$random: the seed must be an integer, got %v", seed.Float64)
	}
	return rand.New(rand.NewSource(int64(s))).Float64(), nil
}

// sfnUUID is $uuid(): a random (version 4) UUID.
func sfnUUID() (string, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// sfnParse is $parse(json): the JSON value the string holds.
func sfnParse(s string) (any, error) {
	var v any
	if err := unmarshalJSON([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("$parse: the argument is not valid JSON: %v", err)
	}
	return toLib(v)
}

func evalUnsupported(jtypes.OptionalValue, jtypes.OptionalValue) (any, error) {
	return nil, errors.New("$eval is not supported in Step Functions; use $parse to deserialize JSON")
}

// assert is JSONata's $assert(condition[, message]).
func assert(cond bool, msg jtypes.OptionalString) (any, error) {
	if cond {
		return nil, jtypes.ErrUndefined
	}
	if msg.IsSet() {
		return nil, errors.New(msg.String)
	}
	return nil, errors.New("$assert() statement failed")
}

// sortedKeys is $keys with the keys in sorted order. The library returns
// them in Go's random map order; JSONata returns insertion order, which Go
// maps do not keep, so sorted order is the deterministic substitute.
func sortedKeys(v reflect.Value) (any, error) {
	r, err := jlib.Keys(v)
	if s, ok := r.([]string); ok {
		sort.Strings(s)
	}
	return r, err
}

// jsString is JSONata's $string(value[, prettify]): numbers go through
// toPrecision(15) as in jsonata-js (the library prints all 17 digits, and
// Go's exponent style), functions become "".
//
// The second parameter takes any value and prettifies only for true: the
// higher-order functions pass as many arguments as a function declares, and
// jsonata-js's $string declares one, so $map(a, $string) passes no index.
func jsString(v reflect.Value, prettify jtypes.OptionalValue) (string, error) {
	v = resolve(v)
	if v.IsValid() && v.Kind() == reflect.String {
		return v.String(), nil
	}
	if v.IsValid() && jtypes.IsCallable(v) {
		return "", nil
	}
	if v.IsValid() && jtypes.IsNumber(v) {
		f, _ := jtypes.AsNumber(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", errors.New("attempting to invoke string function on Infinity or NaN")
		}
	}
	x, err := stringifyValue(v)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if p := resolve(prettify.Value); prettify.IsSet() && p.IsValid() && p.Kind() == reflect.Bool && p.Bool() {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(x); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// stringifyValue is fromLib with JSON.stringify's treatment of functions
// (as "", via jsonata-js's replacer) and numbers rounded to 15 significant
// digits.
func stringifyValue(v reflect.Value) (any, error) {
	v = resolve(v)
	if !v.IsValid() {
		return nil, nil
	}
	if jtypes.IsCallable(v) {
		return "", nil
	}
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return nil, nil
		}
		return stringifyValue(v.Elem())
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			x, err := stringifyValue(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			e := resolve(iter.Value())
			if !e.IsValid() {
				continue
			}
			x, err := stringifyValue(e)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(resolve(iter.Key()).Interface())] = x
		}
		return out, nil
	}
	if f, ok := jtypes.AsNumber(v); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil // JSON.stringify writes null
		}
		return json.Number(formatNumber(toPrecision15(f))), nil
	}
	return fromLib(v)
}

// toPrecision15 is JavaScript's Number(f.toPrecision(15)).
func toPrecision15(f float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// isoTimestamp is the pattern jsonata-js 2.0.6 requires of a $toMillis
// argument when no picture is given.
var isoTimestamp = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?)?)?)?$`)

// toMillis is $toMillis(timestamp[, picture]). Without a picture the
// timestamp must be ISO 8601 (the library's own parser gets offsets such as
// +01:00 wrong and accepts other formats); with a picture the library's
// parser is used.
func toMillis(s string, picture jtypes.OptionalString) (any, error) {
	if picture.IsSet() {
		ms, err := jlib.ToMillis(s, picture, jtypes.OptionalString{})
		if err != nil {
			return nil, err
		}
		return float64(ms), nil
	}
	t, ok := parseISO(s)
	if !ok {
		return nil, fmt.Errorf("the argument of the toMillis function must be an ISO 8601 formatted timestamp, given %q", s)
	}
	return float64(t.UnixMilli()), nil
}

func parseISO(s string) (time.Time, bool) {
	m := isoTimestamp.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(s string, def, lo, hi int) (int, bool) {
		if s == "" {
			return def, true
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= lo && n <= hi
	}
	year, _ := num(m[1], 0, 0, 9999)
	month, ok1 := num(m[2], 1, 1, 12)
	day, ok2 := num(m[3], 1, 1, 31)
	hour, ok3 := num(m[4], 0, 0, 24)
	minute, ok4 := num(m[5], 0, 0, 59)
	sec, ok5 := num(m[6], 0, 0, 59)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	if hour == 24 && (minute != 0 || sec != 0) {
		return time.Time{}, false
	}
	if day > daysIn(year, time.Month(month)) {
		return time.Time{}, false
	}
	ms := 0
	if frac := m[7]; frac != "" {
		frac = (frac + "00")[:3]
		ms, _ = strconv.Atoi(frac)
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := z[1:]
		if len(digits) == 5 {
			digits = digits[:2] + digits[3:]
		}
		h, _ := strconv.Atoi(digits[:2])
		mi, _ := strconv.Atoi(digits[2:])
		if h > 23 || mi > 59 {
			return time.Time{}, false
		}
		loc = time.FixedZone("", sign*(h*3600+mi*60))
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), loc), true
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// toNumber is $number: the library's, plus the hexadecimal, octal and
// binary forms (0x1F, 0o17, 0b101) jsonata-js 2.x accepts.
func toNumber(v jlib.StringNumberBool) (float64, error) {
	if str, ok := jtypes.AsString(reflect.Value(v)); ok && len(str) > 2 && str[0] == '0' {
		base := 0
		switch str[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			n, err := strconv.ParseUint(str[2:], base, 64)
			if err != nil {
				return 0, fmt.Errorf("unable to cast %q to a number", str)
			}
			return float64(n), nil
		}
	}
	return jlib.Number(v)
}

// encodeURIComponent is $encodeUrlComponent with JavaScript's
// encodeURIComponent rules (the library encodes a space as "+").
func encodeURIComponent(s string) (string, error) {
	return percentEncode(s, "-_.!~*'()")
}

// encodeURI is $encodeUrl with JavaScript's encodeURI rules.
func encodeURI(s string) (string, error) {
	return percentEncode(s, "-_.!~*'();,/?:@&=+$#")
}

func percentEncode(s, keep string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("malformed URL: the string is not valid UTF-8")
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String(), nil
}
