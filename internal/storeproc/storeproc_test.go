package storeproc

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

// TestClientServe: a store served over a pipe does what the store does,
// and its tickets come back as they went in.
func TestClientServe(t *testing.T) {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	var gotDSN string
	var gotKey []byte
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), reqR, respW, func(_ context.Context, dsn string, key []byte) (urgency.Store, func(), error) {
			gotDSN, gotKey = dsn, key
			return urgency.NewMemoryStore(), func() {}, nil
		})
		respW.Close()
	}()
	c := &Client{in: reqW, enc: json.NewEncoder(reqW), dec: json.NewDecoder(respR)}
	_, err := c.call(&request{Op: "open", DSN: "mem://x", Key: []byte("secret")})
	require.NoError(t, err)
	require.Equal(t, "mem://x", gotDSN)
	require.Equal(t, []byte("secret"), gotKey)

	created := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	tickets := []urgency.Ticket{
		{ID: "T-1", Subject: "Zahlung \u001b fehlgeschlagen", CreatedAt: created, Fields: map[string]any{"n": 3}},
		{ID: "T-2", Body: "login", CreatedAt: created.Add(time.Minute)},
	}
	require.NoError(t, c.Put(t.Context(), tickets))
	found, err := c.Delete(t.Context(), "T-2")
	require.NoError(t, err)
	require.True(t, found)
	found, err = c.Delete(t.Context(), "T-3")
	require.NoError(t, err)
	require.False(t, found)
	ch, err := c.Changes(t.Context(), urgency.Version{})
	require.NoError(t, err)
	require.True(t, ch.Full)
	require.Len(t, ch.Changes, 1)
	want, err := Decode(mustJSON(t, tickets[0]))
	require.NoError(t, err)
	require.Equal(t, want, ch.Changes[0].Ticket)
	ch2, err := c.Changes(t.Context(), ch.Version)
	require.NoError(t, err)
	require.False(t, ch2.Full)
	require.Empty(t, ch2.Changes)

	_, err = c.call(&request{Op: "bogus"})
	require.ErrorContains(t, err, `unknown request "bogus"`)
	reqW.Close()
	require.NoError(t, <-done)
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// TestDecodeAll: tickets the line reader refuses (a Go host's ticket
// without a creation time, or of a year outside the reader's) come back
// as plain JSON, in their places.
func TestDecodeAll(t *testing.T) {
	good := urgency.Ticket{ID: "T-1", Subject: "a", CreatedAt: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), Fields: map[string]any{"n": 3}}
	old := urgency.Ticket{ID: "T-2", CreatedAt: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}
	none := urgency.Ticket{ID: "T-3", Body: "no time"}
	got, err := DecodeAll([][]byte{mustJSON(t, good), mustJSON(t, old), mustJSON(t, none), mustJSON(t, good)})
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.Equal(t, "T-1", got[0].ID)
	require.Equal(t, 3, got[0].Fields["n"], "numbers as the line reader reads them")
	require.Equal(t, old.CreatedAt, got[1].CreatedAt)
	require.Equal(t, "no time", got[2].Body)
	require.Equal(t, got[0], got[3])
	_, err = DecodeAll([][]byte{[]byte("{not json")})
	require.Error(t, err)
}
