// Package storeproc runs an [urgency.Store] in another process, a store
// driver, over its standard input and output: the command line reaches a
// database whose driver the library does not link (the PostgreSQL store
// is a module of its own, and its program urgency-store-postgres serves
// it), as git reaches remotes through its remote helpers.
//
// The protocol is JSON values, a request then its response, on the
// driver's standard input and output. The first request opens the store:
//
//	{"op":"open","dsn":"postgres://…","key":"<base64>"}
//	{"op":"put","tickets":[{…ticket…},…]}
//	{"op":"delete","id":"T-1"}               → {"found":true}
//	{"op":"changes","since":{"epoch":"…","seq":41}}
//	                                         → {"full":false,"version":{…},"changes":[{"id":…,"seq":…,"ticket":{…}|null}]}
//
// and every response that failed is {"error":"message"}. The connection
// string and the key go on the pipe, never on the driver's command line,
// where other users of the machine could read them.
package storeproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"

	"github.com/triagekit/triage/urgency"
)

type request struct {
	Op      string            `json:"op"`
	DSN     string            `json:"dsn,omitempty"`
	Key     []byte            `json:"key,omitempty"`
	Tickets []json.RawMessage `json:"tickets,omitempty"`
	ID      string            `json:"id,omitempty"`
	Since   *version          `json:"since,omitempty"`
}

type version struct {
	Epoch string `json:"epoch"`
	Seq   int64  `json:"seq"`
}

type change struct {
	ID     string          `json:"id"`
	Seq    int64           `json:"seq"`
	Ticket json.RawMessage `json:"ticket"`
}

type response struct {
	Error   string   `json:"error,omitempty"`
	Found   bool     `json:"found,omitempty"`
	Full    bool     `json:"full,omitempty"`
	Version version  `json:"version"`
	Changes []change `json:"changes,omitempty"`
}

// Opener opens the store a driver serves.
type Opener func(ctx context.Context, dsn string, key []byte) (st urgency.Store, close func(), err error)

// Serve answers the requests read from r on w, with the store open
// opens, until r ends.
func Serve(ctx context.Context, r io.Reader, w io.Writer, open Opener) error {
	dec := json.NewDecoder(r)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var st urgency.Store
	var closeStore func()
	defer func() {
		if closeStore != nil {
			closeStore()
		}
	}()
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		resp, err := serve(ctx, &st, &closeStore, open, &req)
		if err != nil {
			resp = response{Error: err.Error()}
		}
		if err := enc.Encode(resp); err != nil {
			return err
		}
	}
}

func serve(ctx context.Context, st *urgency.Store, closeStore *func(), open Opener, req *request) (response, error) {
	if req.Op == "open" {
		if *st != nil {
			return response{}, errors.New("the store is open already")
		}
		s, c, err := open(ctx, req.DSN, req.Key)
		if err != nil {
			return response{}, err
		}
		*st, *closeStore = s, c
		return response{}, nil
	}
	if *st == nil {
		return response{}, errors.New("the store is not open")
	}
	switch req.Op {
	case "put":
		tickets := make([]urgency.Ticket, len(req.Tickets))
		for i, raw := range req.Tickets {
			t, err := Decode(raw)
			if err != nil {
				return response{}, err
			}
			tickets[i] = *t
		}
		return response{}, (*st).Put(ctx, tickets)
	case "delete":
		found, err := (*st).Delete(ctx, req.ID)
		return response{Found: found}, err
	case "changes":
		var since urgency.Version
		if req.Since != nil {
			since = urgency.Version{Epoch: req.Since.Epoch, Seq: req.Since.Seq}
		}
		ch, err := (*st).Changes(ctx, since)
		if err != nil {
			return response{}, err
		}
		resp := response{Full: ch.Full, Version: version{ch.Version.Epoch, ch.Version.Seq}}
		for _, c := range ch.Changes {
			out := change{ID: c.ID, Seq: c.Seq}
			if c.Ticket != nil {
				b, err := json.Marshal(c.Ticket)
				if err != nil {
					return response{}, fmt.Errorf("ticket %q: %w", c.ID, err)
				}
				out.Ticket = b
			}
			resp.Changes = append(resp.Changes, out)
		}
		return resp, nil
	}
	return response{}, fmt.Errorf("unknown request %q", req.Op)
}

// Decode reads a ticket as the command line reads a ticket line, so that
// a ticket means the same through a store as from a file; a ticket that
// the line reader refuses (a Go host's ticket of a time outside its
// years) is read as plain JSON.
func Decode(b []byte) (*urgency.Ticket, error) {
	ts, err := DecodeAll([][]byte{b})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// DecodeAll decodes tickets as Decode does, with one line reader for all
// of them (a reader has a buffer of 64 KiB).
func DecodeAll(raws [][]byte) ([]*urgency.Ticket, error) {
	var lines bytes.Buffer
	for _, b := range raws {
		if bytes.ContainsAny(b, "\r\n") || len(bytes.TrimSpace(b)) == 0 {
			// Not one line: read on its own below.
			b = []byte("{}")
		}
		lines.Write(b)
		lines.WriteByte('\n')
	}
	r := urgency.NewTicketReader(&lines)
	out := make([]*urgency.Ticket, len(raws))
	for i, b := range raws {
		t, err := r.Next()
		if err != nil {
			var line *urgency.LineError
			if !errors.As(err, &line) {
				return nil, err
			}
			t = urgency.Ticket{}
			if err := json.Unmarshal(b, &t); err != nil {
				return nil, err
			}
		}
		out[i] = &t
	}
	return out, nil
}

// Client is a store served by a driver process. It tells of no changes
// (Notify never sends): it serves a command that reads once.
type Client struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	in  io.WriteCloser
	enc *json.Encoder
	dec *json.Decoder
}

// Start starts the driver program and opens the store of dsn with key.
func Start(ctx context.Context, program, dsn string, key []byte, stderr io.Writer) (*Client, error) {
	cmd := exec.Command(program)
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Client{cmd: cmd, in: in, enc: json.NewEncoder(in), dec: json.NewDecoder(out)}
	c.enc.SetEscapeHTML(false)
	if _, err := c.call(&request{Op: "open", DSN: dsn, Key: key}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close ends the driver.
func (c *Client) Close() error {
	c.in.Close()
	return c.cmd.Wait()
}

func (c *Client) call(req *request) (response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enc.Encode(req); err != nil {
		return response{}, fmt.Errorf("the store driver: %w", err)
	}
	var resp response
	if err := c.dec.Decode(&resp); err != nil {
		return response{}, fmt.Errorf("the store driver stopped: %w", err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

// Put implements [urgency.Store].
func (c *Client) Put(_ context.Context, tickets []urgency.Ticket) error {
	req := &request{Op: "put", Tickets: make([]json.RawMessage, len(tickets))}
	for i := range tickets {
		b, err := json.Marshal(&tickets[i])
		if err != nil {
			return fmt.Errorf("ticket %q cannot be stored: %w", tickets[i].ID, err)
		}
		req.Tickets[i] = b
	}
	_, err := c.call(req)
	return err
}

// Delete implements [urgency.Store].
func (c *Client) Delete(_ context.Context, id string) (bool, error) {
	resp, err := c.call(&request{Op: "delete", ID: id})
	return resp.Found, err
}

// Changes implements [urgency.Store].
func (c *Client) Changes(_ context.Context, since urgency.Version) (urgency.Changes, error) {
	resp, err := c.call(&request{Op: "changes", Since: &version{since.Epoch, since.Seq}})
	if err != nil {
		return urgency.Changes{}, err
	}
	out := urgency.Changes{Full: resp.Full, Version: urgency.Version{Epoch: resp.Version.Epoch, Seq: resp.Version.Seq}}
	var raws [][]byte
	var at []int
	for i, ch := range resp.Changes {
		out.Changes = append(out.Changes, urgency.Change{ID: ch.ID, Seq: ch.Seq})
		if len(ch.Ticket) > 0 && string(ch.Ticket) != "null" {
			raws = append(raws, ch.Ticket)
			at = append(at, i)
		}
	}
	tickets, err := DecodeAll(raws)
	if err != nil {
		return urgency.Changes{}, fmt.Errorf("a ticket from the store: %w", err)
	}
	for j, i := range at {
		out.Changes[i].Ticket = tickets[j]
	}
	return out, nil
}

// Notify implements [urgency.Store]; it never sends.
func (c *Client) Notify(chan<- struct{}) (stop func()) { return func() {} }
