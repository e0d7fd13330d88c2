package urgency

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

type readResult struct {
	t    Ticket
	err  string
	line int
}

func readResults(t *testing.T, r *TicketReader) []readResult {
	t.Helper()
	var out []readResult
	for {
		tk, err := r.Next()
		if err == io.EOF {
			out = append(out, readResult{line: r.Line(), err: "EOF"})
			return out
		}
		res := readResult{t: tk, line: r.Line()}
		if err != nil {
			res.err = err.Error()
		}
		out = append(out, res)
	}
}

// TestTicketReaderBatchesAsLines: lines decoded together give the same
// tickets, errors and line numbers as lines read one at a time: good,
// bad, blank, long and byte-order-marked lines alike.
func TestTicketReaderBatchesAsLines(t *testing.T) {
	var in strings.Builder
	for i := range 3000 {
		switch i % 11 {
		case 3:
			in.WriteString("\n")
		case 5:
			in.WriteString(`{"id":"bad` + fmt.Sprint(i) + `"` + "\n")
		case 7:
			fmt.Fprintf(&in, "\uFEFF{\"id\":\"B%d\",\"created_at\":\"2026-11-22T09:00:00Z\",\"colour\":1}\r\n", i)
		case 9:
			fmt.Fprintf(&in, "{\"id\":\"L%d\",\"created_at\":\"2026-11-22T09:00:00Z\",\"body\":%q}\n", i, strings.Repeat("x", maxBatchLine))
		default:
			fmt.Fprintf(&in, "{\"id\":\"T%d\",\"subject\":\"payment %d\",\"created_at\":\"2026-11-22T09:00:00Z\",\"fields\":{\"n\":%d}}\n", i, i, i)
		}
	}
	in.WriteString(`{"id":"last","created_at":"2026-11-22T09:00:00Z"}`) // no line ending
	batched := readResults(t, NewTicketReader(strings.NewReader(in.String())))
	single := readResults(t, NewTicketReader(iotest.OneByteReader(strings.NewReader(in.String()))))
	require.Equal(t, len(single), len(batched))
	for i := range single {
		require.Equal(t, single[i], batched[i], "result %d", i)
	}
	require.Equal(t, "last", batched[len(batched)-2].t.ID)
	require.Equal(t, 3001, batched[len(batched)-1].line)
}

// TestTicketReaderDoesNotWaitToReadAhead: a ticket written to a stream
// comes out of Next as soon as its line ends, however few lines follow.
func TestTicketReaderDoesNotWaitToReadAhead(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewTicketReader(pr)
	for i := range 3 {
		go fmt.Fprintf(pw, "{\"id\":\"S%d\",\"created_at\":\"2026-11-22T09:00:00Z\"}\n", i)
		tk, err := r.Next()
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("S%d", i), tk.ID)
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
	_, err := r.Next()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// TestTicketReaderReadErrorAfterBatch: a read error ends the input after
// the tickets of the lines before it, and is returned from then on.
func TestTicketReaderReadErrorAfterBatch(t *testing.T) {
	lines := bytes.Repeat([]byte(`{"id":"E","created_at":"2026-11-22T09:00:00Z"}`+"\n"), 40)
	r := NewTicketReader(io.MultiReader(bytes.NewReader(lines), iotest.ErrReader(io.ErrClosedPipe)))
	for range 40 {
		_, err := r.Next()
		require.NoError(t, err)
	}
	for range 2 {
		_, err := r.Next()
		require.ErrorIs(t, err, io.ErrClosedPipe)
	}
}
