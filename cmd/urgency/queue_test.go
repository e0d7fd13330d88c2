package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueueWithoutDriver: this program links no database driver; without
// the driver program it says which build has one.
func TestQueueWithoutDriver(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	key := filepath.Join(t.TempDir(), "key")
	require.NoError(t, os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))
	for _, cmd := range []string{"rank", "clusters", "add"} {
		r := runCmd(t, "", "queue", cmd, "-store", "postgres://u@127.0.0.1:1/db", "-key-file", key)
		require.Equal(t, 1, r.code, cmd)
		require.Contains(t, r.stderr, "urgency queue "+cmd+": this build of urgency holds no store")
		// Installed from the repository: the module replaces the main
		// module by its directory, which go install pkg@version refuses.
		require.Contains(t, r.stderr, "(cd store/postgres && go install ./cmd/urgency-store-postgres)")
	}
}

func TestQueueUsageErrors(t *testing.T) {
	t.Setenv("URGENCY_STORE_KEY_FILE", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"queue"}, "give a queue command: add, remove, rank or clusters"},
		{[]string{"queue", "bogus"}, `unknown queue command "bogus"`},
		{[]string{"queue", "rank"}, "give the shared queue's database with -store URL"},
		{[]string{"queue", "rank", "-store", "host=db user=u"}, "-store must be a URL"},
		{[]string{"queue", "rank", "-store", "postgres://u@db/x"}, "-key-file FILE or $URGENCY_STORE_KEY_FILE"},
		{[]string{"queue", "remove", "-store", "postgres://u@db/x"}, "give the IDs of the tickets to remove"},
		{[]string{"queue", "rank", "-store", "postgres://u@db/x", "-format", "csv"}, "-format must be table or json"},
	} {
		r := runCmd(t, "", c.args...)
		require.Equal(t, 2, r.code, "%v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.want, "%v", c.args)
	}
}
