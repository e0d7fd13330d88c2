package urgency

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Ticket is one support request as the host received it. Its JSON form is
// one object per line in the files the command line reads:
//
//	{"id":"T-1","subject":"...","body":"...","channel":"email","language":"de",
//	 "created_at":"2026-11-22T09:00:00Z","flagged":false,
//	 "customer":{"id":"C-7","tier":"premium","since":"2026-11-01T00:00:00Z"},
//	 "fields":{"product":"shop"}}
//
// Service levels read three more, all optional (see [StatusChange]):
//
//	{"status":"pending","history":[{"at":"2026-11-22T09:00:00Z","status":"open"},
//	 {"at":"2026-11-22T09:40:00Z","status":"pending"}],"first_reply_at":"2026-11-22T09:30:00Z"}
type Ticket struct {
	ID        string         `json:"id"`
	Subject   string         `json:"subject,omitempty"`
	Body      string         `json:"body,omitempty"`
	Channel   string         `json:"channel,omitempty"`  // e.g. email, chat, phone, web
	Language  string         `json:"language,omitempty"` // e.g. de, sr, pl; may be empty
	CreatedAt time.Time      `json:"created_at"`
	Flagged   bool           `json:"flagged,omitempty"` // marked important by customer, channel or agent
	Customer  Customer       `json:"customer"`
	Fields    map[string]any `json:"fields,omitempty"` // host-defined custom fields

	// Status is the host's status name now, e.g. open, pending, solved;
	// "" for the last status of History, or open.
	Status string `json:"status,omitempty"`
	// History is the ticket's status changes in time order. Without an
	// entry at CreatedAt the ticket is open from CreatedAt to the first.
	// Service clocks stop while the status is one of the pack's
	// settings.pause.
	History []StatusChange `json:"history,omitempty"`
	// FirstReplyAt is when an agent first answered; zero for not yet.
	// From then on the ticket is due for resolution.
	FirstReplyAt time.Time `json:"first_reply_at,omitzero"`
}

// Customer is who sent a ticket.
type Customer struct {
	ID    string    `json:"id,omitempty"`
	Tier  string    `json:"tier,omitempty"` // e.g. premium, standard
	Since time.Time `json:"since,omitzero"` // zero when unknown
}

// LineError is a ticket line that could not be decoded.
type LineError struct {
	Line int
	Err  error
}

// Error returns "line N: message".
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// TicketReader reads tickets from JSON Lines: one object per line, blank
// lines ignored. A line that does not hold a valid ticket is returned as a
// *[LineError] naming its line number; reading may go on after it.
type TicketReader struct {
	s    *bufio.Scanner
	line int
}

// NewTicketReader returns a reader of the JSON Lines in r.
func NewTicketReader(r io.Reader) *TicketReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), MaxLineSize)
	return &TicketReader{s: s}
}

// Next returns the next ticket. At the end of the input it returns io.EOF.
// A malformed line gives a *[LineError]; call Next again to skip it.
func (r *TicketReader) Next() (Ticket, error) {
	for r.s.Scan() {
		r.line++
		b := bytes.TrimSpace(r.s.Bytes())
		if len(b) == 0 {
			continue
		}
		t, err := decodeTicket(b)
		if err != nil {
			return Ticket{}, &LineError{Line: r.line, Err: err}
		}
		return t, nil
	}
	if err := r.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Ticket{}, &LineError{Line: r.line + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLineSize)}
		}
		return Ticket{}, err
	}
	return Ticket{}, io.EOF
}

// Line returns the line number of the ticket or error Next returned last.
func (r *TicketReader) Line() int { return r.line }

func decodeTicket(b []byte) (Ticket, error) {
	var t Ticket
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(&t); err != nil {
		return Ticket{}, jsonError(err)
	}
	if len(bytes.TrimSpace(b[d.InputOffset():])) > 0 {
		return Ticket{}, errors.New("more than one JSON value on the line")
	}
	if t.ID == "" {
		return Ticket{}, errors.New(`missing "id"`)
	}
	if t.CreatedAt.IsZero() {
		return Ticket{}, errors.New(`missing "created_at"`)
	}
	if err := t.checkService(); err != nil {
		return Ticket{}, err
	}
	for k, v := range t.Fields {
		n, err := plainNumbers(v)
		if err != nil {
			return Ticket{}, fmt.Errorf("field %q: %v", k, err)
		}
		t.Fields[k] = n
	}
	return t, nil
}

// plainNumbers turns the json.Numbers the decoder keeps into the numbers
// rules compare with: int when the number is whole and fits, float64
// otherwise, so fields.seats > 100 works on a ticket read from JSON.
func plainNumbers(v any) (any, error) {
	var err error
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 0); err == nil {
			return int(i), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("the number %s is too large", v)
		}
		return f, nil
	case map[string]any:
		for k, e := range v {
			if v[k], err = plainNumbers(e); err != nil {
				return nil, err
			}
		}
	case []any:
		for i, e := range v {
			if v[i], err = plainNumbers(e); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// jsonError rewrites encoding/json's messages, which name Go types, into
// the ticket format's own words.
func jsonError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return fmt.Errorf("a ticket must be a JSON object, not %s", typ.Value)
		}
		return fmt.Errorf("field %q: expected %s, got %s", typ.Field, jsonKind(typ.Type.Kind().String(), typ.Type.String()), typ.Value)
	}
	var tm *time.ParseError
	if errors.As(err, &tm) {
		return fmt.Errorf("invalid time %s: use RFC 3339, e.g. 2026-11-22T09:30:00Z", tm.Value)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the line ends too early")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(kind, typ string) string {
	switch {
	case typ == "time.Time":
		return "an RFC 3339 time"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return kind
}
