package event_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// archive is a txtar archive, the format of golang.org/x/tools/txtar (not a
// direct dependency of this module, so parsed here): a free-form comment,
// then files, each introduced by a marker line "-- name --" and running to
// the next marker or the end.
type archive struct {
	comment []byte
	files   []archiveFile
}

type archiveFile struct {
	name string
	data []byte
}

// parseArchive parses data as a txtar archive. Like txtar.Parse it never
// fails, and it adds a final newline to the comment and to each file that
// lacks one.
func parseArchive(data []byte) *archive {
	a := new(archive)
	var name string
	a.comment, name, data = nextMarker(data)
	for name != "" {
		f := archiveFile{name: name}
		f.data, name, data = nextMarker(data)
		a.files = append(a.files, f)
	}
	return a
}

// nextMarker returns the text before the first marker line in data, the
// marker's file name, and the text after the marker line. With no marker,
// name is "" and before is all of data.
func nextMarker(data []byte) (before []byte, name string, after []byte) {
	i := 0
	for {
		if name, after = markerName(data[i:]); name != "" {
			return fixNewline(data[:i]), name, after
		}
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return fixNewline(data), "", nil
		}
		i += j + 1
	}
}

// markerName reports whether data starts with a marker line, and if so the
// file name and the data after the line.
func markerName(data []byte) (name string, after []byte) {
	if !bytes.HasPrefix(data, []byte("-- ")) {
		return "", nil
	}
	line, after, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.HasSuffix(line, []byte(" --")) || len(line) < len("-- x --") {
		return "", nil
	}
	return strings.TrimSpace(string(line[3 : len(line)-3])), after
}

func fixNewline(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] == '\n' {
		return b
	}
	return append(b[:len(b):len(b)], '\n')
}

// format returns the archive in txtar form.
func (a *archive) format() []byte {
	var buf bytes.Buffer
	buf.Write(fixNewline(a.comment))
	for _, f := range a.files {
		fmt.Fprintf(&buf, "-- %s --\n", f.name)
		buf.Write(fixNewline(f.data))
	}
	return buf.Bytes()
}

// file returns the data of the named file and whether it is present.
func (a *archive) file(name string) ([]byte, bool) {
	for _, f := range a.files {
		if f.name == name {
			return f.data, true
		}
	}
	return nil, false
}

// setFile replaces the named file's data, appending the file if absent.
func (a *archive) setFile(name string, data []byte) {
	for i, f := range a.files {
		if f.name == name {
			a.files[i].data = data
			return
		}
	}
	a.files = append(a.files, archiveFile{name, data})
}

func TestArchive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		comment string
		files   []archiveFile
		out     string
	}{
		{
			name:    "comment and files",
			in:      "a comment\n-- one --\nhello\n-- two.json --\n{}\n",
			comment: "a comment\n",
			files:   []archiveFile{{"one", []byte("hello\n")}, {"two.json", []byte("{}\n")}},
		},
		{
			name:  "no comment, empty file, missing final newline",
			in:    "-- empty --\n-- last --\nno newline",
			files: []archiveFile{{"empty", nil}, {"last", []byte("no newline\n")}},
			out:   "-- empty --\n-- last --\nno newline\n",
		},
		{
			name:    "lines that look almost like markers are data",
			in:      "--x--\n-- a --\n-- b\n--  --\n- c --\n",
			comment: "--x--\n",
			files:   []archiveFile{{"a", []byte("-- b\n--  --\n- c --\n")}},
		},
		{
			name:    "no files",
			in:      "just a comment",
			comment: "just a comment\n",
			out:     "just a comment\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := parseArchive([]byte(tc.in))
			require.Equal(t, tc.comment, string(a.comment))
			require.Len(t, a.files, len(tc.files))
			for i, f := range tc.files {
				require.Equal(t, f.name, a.files[i].name)
				require.Equal(t, string(f.data), string(a.files[i].data))
			}
			want := tc.out
			if want == "" {
				want = tc.in
			}
			require.Equal(t, want, string(a.format()))
		})
	}

	t.Run("setFile", func(t *testing.T) {
		t.Parallel()
		a := parseArchive([]byte("c\n-- a --\n1\n"))
		a.setFile("a", []byte("2\n"))
		a.setFile("b", []byte("3"))
		require.Equal(t, "c\n-- a --\n2\n-- b --\n3\n", string(a.format()))
		d, ok := a.file("b")
		require.True(t, ok)
		require.Equal(t, "3", string(d))
		_, ok = a.file("nope")
		require.False(t, ok)
	})
}
