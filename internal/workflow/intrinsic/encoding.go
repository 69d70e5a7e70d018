package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"unicode/utf8"
)

// The intrinsics for data encoding and decoding and for hash calculation
// (AWS guide › Intrinsics for data encoding and decoding, › Intrinsic for
// hash calculation).

// maxInput is the most characters (Unicode code points) States.Base64Encode,
// States.Base64Decode and States.Hash accept.
const maxInput = 10000

// inputString returns argument i of fn as a string of at most maxInput
// characters.
func inputString(fn string, i int, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", argError(fn, i, "a string", v)
	}
	if n := utf8.RuneCountInString(s); n > maxInput {
		return "", failf("The value of the %s argument of %s must be at most %d characters long, but has %d",
			ordinal(i), fn, maxInput, n)
	}
	return s, nil
}

// evalBase64Encode: States.Base64Encode(s) returns the standard Base64
// encoding (RFC 4648 § 4, padded) of s's UTF-8 bytes, on one line.
func evalBase64Encode(c *Call, args []any) (any, error) {
	s, err := inputString(c.fn.name, 0, args[0])
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// evalBase64Decode: States.Base64Decode(s) decodes standard Base64, padded
// or not; line breaks (as MIME Base64 inserts) are ignored. The decoded
// bytes must be UTF-8 text, since the result is a JSON string.
func evalBase64Decode(c *Call, args []any) (any, error) {
	name := c.fn.name
	s, err := inputString(name, 0, args[0])
	if err != nil {
		return nil, err
	}
	s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, failf("The value of the 1st argument of %s is not valid Base64: %v", name, err)
	}
	if !utf8.Valid(b) {
		return nil, failf("The value of the 1st argument of %s does not decode to UTF-8 text", name)
	}
	return string(b), nil
}

// evalHash: States.Hash(s, algorithm) returns the lower-case hex digest of
// s's UTF-8 bytes; algorithm is one of MD5, SHA-1, SHA-256, SHA-384 and
// SHA-512, written exactly so.
func evalHash(c *Call, args []any) (any, error) {
	name := c.fn.name
	s, err := inputString(name, 0, args[0])
	if err != nil {
		return nil, err
	}
	alg, ok := args[1].(string)
	if !ok {
		return nil, argError(name, 1, "a string naming the algorithm", args[1])
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, argError(name, 1, "one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512", alg)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}
