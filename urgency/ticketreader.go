package urgency

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// TicketReader reads tickets from JSON Lines: one object per line, blank
// lines ignored, "\n" or "\r\n" line endings, the last line with or
// without one. A UTF-8 byte order mark at the start of a line (the start
// of the input, or of files joined with cat) is ignored.
//
// A line that does not hold a valid ticket is returned as a *[LineError]
// naming its line number, and reading goes on with the next line: one bad
// line costs only itself. A line longer than [MaxLineSize] is such an
// error too; it is read to its end and dropped without being held in
// memory. Reading a line takes, at the peak, about three times its length
// (the line as it grows, and its text decoded), some 100 MiB for a line at
// the limit; after a line longer than 1 MiB its buffer is let go. Lines
// already read into the reader's 256 KiB buffer are decoded together, on
// up to GOMAXPROCS goroutines, before Next returns the first of them: the
// reader never waits for input to do so, so a ticket written to a stream
// is returned as soon as its line ends.
type TicketReader struct {
	r    *bufio.Reader
	buf  []byte // the line being read; dropped after a long one
	line int    // the line of what Next returned last
	read int    // the lines read
	err  error  // the read error that ended the input, io.EOF at its end
	// batch holds the tickets decoded from the lines read ahead, those
	// from next on not yet returned; arena holds those lines meanwhile.
	batch []decodedLine
	next  int
	arena []byte
}

// decodedLine is a line read ahead, and the ticket or error it gives.
type decodedLine struct {
	line int
	b    []byte
	t    Ticket
	err  error
}

// Read-ahead bounds: at most maxBatchLines lines, each at most
// maxBatchLine bytes long (a longer one is decoded on its own), of those
// in the read buffer, which is large enough that the goroutines decoding
// a batch of short lines are started about once per thousand lines.
const (
	readBuffer    = 256 << 10
	maxBatchLines = 1024
	maxBatchLine  = 16 << 10
)

// keepLineBuffer is the largest line buffer a TicketReader keeps for the
// next line: after a longer line, the buffer is left to the garbage
// collector rather than held for as long as the reader lives.
const keepLineBuffer = 1 << 20

// NewTicketReader returns a reader of the JSON Lines in r.
func NewTicketReader(r io.Reader) *TicketReader {
	return &TicketReader{r: bufio.NewReaderSize(r, readBuffer)}
}

// Next returns the next ticket. At the end of the input it returns io.EOF.
// A line that is malformed, holds no valid ticket or is longer than
// [MaxLineSize] gives a *[LineError]; call Next again to go on with the
// next line. Any other error is one of reading the input, which ends it:
// Next returns that error again on every later call.
func (r *TicketReader) Next() (Ticket, error) {
	if r.next == len(r.batch) {
		r.fill()
	}
	if r.next == len(r.batch) {
		r.line = r.read
		return Ticket{}, r.err
	}
	d := &r.batch[r.next]
	r.next++
	r.line = d.line
	t, err := d.t, d.err
	*d = decodedLine{} // the batch keeps no ticket it returned
	return t, err
}

// fill reads the next lines that hold something: the first, waiting for
// input if need be, then those whose ends are already buffered, and
// decodes them.
func (r *TicketReader) fill() {
	r.batch, r.next, r.arena = r.batch[:0], 0, r.arena[:0]
	for r.err == nil && len(r.batch) < maxBatchLines && (len(r.batch) == 0 || r.lineBuffered()) {
		b, long, err := r.readLine()
		switch {
		case err == io.EOF:
			// The input ends; b is its last line if it has no line ending.
			r.err = err
			if len(b) == 0 && !long {
				continue
			}
		case err != nil:
			r.err, r.buf = err, nil
			continue
		}
		r.read++
		if long {
			r.batch = append(r.batch, decodedLine{line: r.read, err: &LineError{Line: r.read, Err: fmt.Errorf("the line is longer than %d MiB, the most a ticket line may hold", MaxLineSize>>20)}})
			continue
		}
		b = bytes.TrimSpace(bytes.TrimPrefix(b, byteOrderMark))
		switch {
		case len(b) == 0:
		case len(b) > maxBatchLine:
			// Decoded at once, from the line's own buffer, and last.
			d := decodedLine{line: r.read, b: b}
			d.decode()
			r.batch = append(r.batch, d)
			if cap(r.buf) > keepLineBuffer {
				r.buf = nil
			}
			r.decodeBatch()
			return
		default:
			start := len(r.arena)
			r.arena = append(r.arena, b...)
			r.batch = append(r.batch, decodedLine{line: r.read, b: r.arena[start:len(r.arena):len(r.arena)]})
		}
		if cap(r.buf) > keepLineBuffer {
			r.buf = nil
		}
	}
	r.decodeBatch()
}

// lineBuffered tells whether the reader's buffer holds the end of a line,
// so that reading it does not wait for input.
func (r *TicketReader) lineBuffered() bool {
	n := r.r.Buffered()
	if n == 0 {
		return false
	}
	p, _ := r.r.Peek(n)
	return bytes.IndexByte(p, '\n') >= 0
}

// decodeBatch decodes the lines of the batch not yet decoded, on up to
// GOMAXPROCS goroutines for a batch of many.
func (r *TicketReader) decodeBatch() {
	todo := r.batch
	if cap(r.arena) > keepLineBuffer {
		defer func() { r.arena = nil }()
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo)/16)
	if workers <= 1 {
		for i := range todo {
			todo[i].decode()
		}
		return
	}
	var wg sync.WaitGroup
	per := (len(todo) + workers - 1) / workers
	for lo := 0; lo < len(todo); lo += per {
		part := todo[lo:min(lo+per, len(todo))]
		wg.Go(func() {
			for i := range part {
				part[i].decode()
			}
		})
	}
	wg.Wait()
}

// decode decodes d's line, if it has one not decoded yet, and lets go of
// it.
func (d *decodedLine) decode() {
	if d.b == nil {
		return
	}
	t, err := decodeTicket(d.b)
	if err != nil {
		d.err = &LineError{Line: d.line, Err: err}
	} else {
		d.t = t
	}
	d.b = nil
}

var byteOrderMark = []byte("\uFEFF")

// readLine reads the next line, its "\n" included if it has one. A line
// longer than MaxLineSize (its line ending not counted) is read to its end
// and dropped: long reports it, and nothing of it is returned. err is the
// error that ended the input, io.EOF at its end, with what was read of the
// last line.
func (r *TicketReader) readLine() (line []byte, long bool, err error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.r.ReadSlice('\n')
		if !long {
			need := len(r.buf) + len(chunk)
			switch {
			case need > MaxLineSize+len("\r\n"):
				long, r.buf = true, nil
			case need > cap(r.buf):
				// Doubling, not append's gentler growth for large
				// slices: a line of MaxLineSize then allocates about
				// twice its size over all, not five times.
				b := make([]byte, len(r.buf), min(max(need, 2*cap(r.buf)), MaxLineSize+len("\r\n")))
				copy(b, r.buf)
				r.buf = b
			}
			if !long {
				r.buf = append(r.buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if !long && len(bytes.TrimSuffix(bytes.TrimSuffix(r.buf, []byte("\n")), []byte("\r"))) > MaxLineSize {
			long, r.buf = true, nil
		}
		return r.buf, long, err
	}
}

// Line returns the line number of the ticket or error Next returned last.
func (r *TicketReader) Line() int { return r.line }
