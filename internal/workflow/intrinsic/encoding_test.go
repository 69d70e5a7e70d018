package intrinsic

import (
	"fmt"
	"strings"
	"testing"
)

func TestBase64Encode(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for data encoding and decoding ›
		// States.Base64Encode.
		{name: "guide example", expr: "States.Base64Encode($.input)", input: `{"input": "Data to encode"}`, want: `"RGF0YSB0byBlbmNvZGU="`},
		{name: "empty", expr: "States.Base64Encode('')", want: `""`},
		{name: "UTF-8 bytes", expr: "States.Base64Encode('é')", want: `"w6k="`},
		{name: "no line breaks in long output", expr: "States.Base64Encode($.s)", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("a", 100)), want: fmt.Sprintf("%q", strings.Repeat("YWFh", 33)+"YQ==")},
		{name: "10,000 characters", expr: "States.Base64Encode($.s)", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("abc", 3333)+"a"), want: fmt.Sprintf("%q", strings.Repeat("YWJj", 3333)+"YQ==")},
		{name: "10,000 multi-byte characters", expr: "States.ArrayLength(States.Array(States.Base64Encode($.s)))", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("é", 10000)), want: `1`},

		{name: "10,001 characters", expr: "States.Base64Encode($.s)", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("a", 10001)), cause: "The value of the 1st argument of States.Base64Encode must be at most 10000 characters long, but has 10001"},
		{name: "number", expr: "States.Base64Encode(1)", cause: "The value of the 1st argument of States.Base64Encode must be a string, but was the number 1"},
		{name: "object", expr: "States.Base64Encode($)", cause: "must be a string, but was an object"},
	})
}

func TestBase64Decode(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for data encoding and decoding ›
		// States.Base64Decode. The guide prints "Decoded data" as the
		// result, but its input is the encoding of "Data to encode".
		{name: "guide example", expr: "States.Base64Decode($.base64)", input: `{"base64": "RGF0YSB0byBlbmNvZGU="}`, want: `"Data to encode"`},
		{name: "empty", expr: "States.Base64Decode('')", want: `""`},
		{name: "unpadded", expr: "States.Base64Decode('RGF0YSB0byBlbmNvZGU')", want: `"Data to encode"`},
		{name: "MIME line breaks", expr: "States.Base64Decode($.s)", input: `{"s":"RGF0YSB0\r\nbyBlbmNvZGU="}`, want: `"Data to encode"`},
		{name: "round trip", expr: "States.Base64Decode(States.Base64Encode('é\\'✓'))", want: `"é'✓"`},

		{name: "invalid characters", expr: "States.Base64Decode('not base64!')", cause: "The value of the 1st argument of States.Base64Decode is not valid Base64"},
		{name: "bad length", expr: "States.Base64Decode('A')", cause: "is not valid Base64"},
		{name: "binary result", expr: "States.Base64Decode('/w==')", cause: "does not decode to UTF-8 text"},
		{name: "too long", expr: "States.Base64Decode($.s)", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("AAAA", 2501)), cause: "must be at most 10000 characters long, but has 10004"},
		{name: "not a string", expr: "States.Base64Decode(true)", cause: "must be a string, but was the boolean true"},
	})
}

func TestHash(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsic for hash calculation › States.Hash. The
		// guide prints aaff4a450a104cd177d28d18d7485e8cae074b7, 39 digits:
		// one "4" is missing from the SHA-1 of "input data".
		{name: "guide example", expr: "States.Hash($.Data, $.Algorithm)", input: `{"Data": "input data", "Algorithm": "SHA-1"}`, want: `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{name: "MD5", expr: "States.Hash('input data', 'MD5')", want: `"812f45842bc6d66ee14572ce20db8e86"`},
		{name: "SHA-256", expr: "States.Hash('input data', 'SHA-256')", want: `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{name: "SHA-384", expr: "States.Hash('input data', 'SHA-384')", want: `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{name: "SHA-512", expr: "States.Hash('input data', 'SHA-512')", want: `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{name: "empty input", expr: "States.Hash('', 'SHA-1')", want: `"da39a3ee5e6b4b0d3255bfef95601890afd80709"`},
		{name: "10,000 characters", expr: "States.ArrayLength(States.Array(States.Hash($.s, 'MD5')))", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("x", 10000)), want: `1`},

		{name: "unknown algorithm", expr: "States.Hash('x', 'SHA-3')", cause: `The value of the 2nd argument of States.Hash must be one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512, but was the string "SHA-3"`},
		{name: "algorithm in lower case", expr: "States.Hash('x', 'sha-1')", cause: "must be one of MD5, SHA-1"},
		{name: "algorithm not a string", expr: "States.Hash('x', 1)", cause: "must be a string naming the algorithm, but was the number 1"},
		{name: "data not a string", expr: "States.Hash($, 'MD5')", cause: "The value of the 1st argument of States.Hash must be a string, but was an object"},
		{name: "10,001 characters", expr: "States.Hash($.s, 'MD5')", input: fmt.Sprintf(`{"s":%q}`, strings.Repeat("x", 10001)), cause: "must be at most 10000 characters long, but has 10001"},
	})
}
