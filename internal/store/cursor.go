package store

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrBadCursor is returned by ParseCursor for a token it did not make.
var ErrBadCursor = errors.New("not a page token this server issued")

// Cursor returns the opaque next-page token for a listing of kind (a short
// tag such as "e" for events) that continues after row seq.
func Cursor(kind string, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(seq, 10)))
}

// ParseCursor returns the row seq a token of kind continues after, or
// ErrBadCursor.
func ParseCursor(kind, token string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, ErrBadCursor
	}
	s, ok := strings.CutPrefix(string(raw), kind+":")
	if !ok {
		return 0, ErrBadCursor
	}
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrBadCursor
	}
	return seq, nil
}
