package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/internal/storeproc"
	"github.com/triagekit/triage/urgency"
)

const queueLong = `queue works on a live queue shared by replicas in a database: add puts
tickets into it, remove takes tickets out by ID, rank ranks its open tickets
as rank ranks a file of them, and clusters lists its clusters.

The store is given as a URL (-store postgres://user@host/db), without a
password, which the process list would show: the driver reads it from
~/.pgpass or $PGPASSWORD. This program
links no database driver: it runs the store driver urgency-store-SCHEME,
found next to urgency or on PATH; the PostgreSQL one is installed from the
repository with
  (cd store/postgres && go install ./cmd/urgency-store-postgres)
into $(go env GOPATH)/bin, which must then be on PATH.
The tickets are sealed in the database with the key in the file given by
-key-file or $URGENCY_STORE_KEY_FILE (at least 32 bytes, the same for every
replica).`

// queueFlags are the flags every queue command has.
type queueFlags struct {
	store, keyFile string
}

func (f *queueFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.store, "store", "", "the shared queue's database, a `URL` (postgres://…)")
	c.Flags().StringVar(&f.keyFile, "key-file", "", "`file` of the key the tickets are sealed with (default: $URGENCY_STORE_KEY_FILE)")
}

var schemeName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// open starts the store driver of f.store.
func (f *queueFlags) open(ctx context.Context, s *streams) (*storeproc.Client, error) {
	if f.store == "" {
		return nil, usagef("give the shared queue's database with -store URL")
	}
	u, err := url.Parse(f.store)
	if err != nil || !schemeName.MatchString(u.Scheme) {
		return nil, usagef("-store must be a URL such as postgres://user@host/db")
	}
	scheme := u.Scheme
	if scheme == "postgresql" {
		scheme = "postgres"
	}
	keyFile := f.keyFile
	if keyFile == "" {
		keyFile = os.Getenv("URGENCY_STORE_KEY_FILE")
	}
	if keyFile == "" {
		return nil, usagef("give the file of the store's key with -key-file FILE or $URGENCY_STORE_KEY_FILE")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("the key: %w", err)
	}
	key = []byte(strings.TrimRight(string(key), "\r\n"))
	program, err := driver("urgency-store-" + scheme)
	if err != nil {
		return nil, fmt.Errorf("this build of urgency holds no store, and the driver for %s:// URLs, urgency-store-%s, is neither next to it nor on PATH (from the repository: (cd store/%s && go install ./cmd/urgency-store-%s), and $(go env GOPATH)/bin on PATH)", u.Scheme, scheme, scheme, scheme)
	}
	return storeproc.Start(ctx, program, f.store, key, s.errOut)
}

// driver finds a store driver next to this program, or on PATH.
func driver(name string) (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

func newQueueCmd(s *streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "queue add|remove|rank|clusters --store URL ...",
		Short: "Work on a live queue shared by replicas in a database",
		Long:  queueLong,
		Example: `  urgency queue add --store postgres://urgency@db/helpdesk --key-file key tickets.jsonl
  urgency queue remove --store postgres://urgency@db/helpdesk --key-file key T-1001 T-1002
  urgency queue rank --store postgres://urgency@db/helpdesk --key-file key --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give a queue command: add, remove, rank or clusters")
			}
			return usagef("unknown queue command %q: give add, remove, rank or clusters", args[0])
		},
	}
	c.AddCommand(newQueueAddCmd(s), newQueueRemoveCmd(s), newQueueReadCmd(s, "rank"), newQueueReadCmd(s, "clusters"))
	return c
}

// queueFailed reports a store's failure.
func queueFailed(s *streams, cmd string, err error) error {
	var usage usageError
	if errors.As(err, &usage) {
		return err
	}
	fmt.Fprintf(s.errOut, "urgency queue %s: %v\n", cmd, err)
	return exitCode(exitFindings)
}

func newQueueAddCmd(s *streams) *cobra.Command {
	var qf queueFlags
	var paths []string
	var skipBad bool
	c := &cobra.Command{
		Use:   "add --store URL [TICKETS.jsonl|-]",
		Short: "Put tickets into the shared queue",
		Long: `add puts the tickets into the shared queue, each replacing the ticket of
its ID. When it exits 0 they are stored; after a failure it may be run
again with the same tickets.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			ctx := context.Background()
			_, tickets, err := loadInput("queue add", paths, args, s, skipBad)
			if err != nil {
				return err
			}
			st, err := qf.open(ctx, s)
			if err != nil {
				return queueFailed(s, "add", err)
			}
			defer st.Close()
			if err := st.Put(ctx, tickets); err != nil {
				return queueFailed(s, "add", err)
			}
			return nil
		},
	}
	qf.add(c)
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	c.Flags().BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	return c
}

func newQueueRemoveCmd(s *streams) *cobra.Command {
	var qf queueFlags
	c := &cobra.Command{
		Use:   "remove --store URL ID...",
		Short: "Take tickets out of the shared queue",
		Long: `remove takes the tickets with the given IDs out of the shared queue (they
were answered or closed); an ID not in it is reported on standard error,
and remove exits 1.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give the IDs of the tickets to remove")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			ctx := context.Background()
			st, err := qf.open(ctx, s)
			if err != nil {
				return queueFailed(s, "remove", err)
			}
			defer st.Close()
			missing := 0
			for _, id := range args {
				found, err := st.Delete(ctx, id)
				if err != nil {
					return queueFailed(s, "remove", err)
				}
				if !found {
					fmt.Fprintf(s.errOut, "urgency queue remove: %q is not in the queue\n", id)
					missing++
				}
			}
			if missing > 0 {
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	qf.add(c)
	return c
}

// newQueueReadCmd makes queue rank and queue clusters.
func newQueueReadCmd(s *streams, name string) *cobra.Command {
	var qf queueFlags
	var paths []string
	var nowFlag, format string
	short, long := "Rank the shared queue's tickets", `rank ranks the open tickets of the shared queue as "urgency rank" ranks a
file of the same tickets, and prints them as it does.`
	if name == "clusters" {
		short, long = "List the shared queue's clusters", `clusters lists the repeated-issue clusters of the shared queue's open
tickets, lone tickets included, by first ticket: in a table, or one JSON
object a line (id, size, customers, first_seen, last_seen, members).`
	}
	c := &cobra.Command{
		Use:   name + " --store URL",
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usagef("-format must be table or json, not %q", format)
			}
			now, err := parseNow(nowFlag)
			if err != nil {
				return err
			}
			eng, err := loadEngine(paths)
			if err != nil {
				printLoadError(s.errOut, "queue "+name, err)
				return exitCode(exitFindings)
			}
			ctx := context.Background()
			st, err := qf.open(ctx, s)
			if err != nil {
				return queueFailed(s, name, err)
			}
			defer st.Close()
			q, err := urgency.NewQueue(eng, urgency.WithStore(st))
			if err != nil {
				return queueFailed(s, name, err)
			}
			defer q.Close()
			if err := q.Refresh(ctx); err != nil {
				return queueFailed(s, name, err)
			}
			if name == "clusters" {
				err = writeClusters(s.out, q.Clusters(now), format, eng.Location())
			} else {
				ranked := q.Ranked(now)
				if format == "json" {
					err = writeJSON(s.out, ranked, eng.Location(), false)
				} else {
					err = writeQueueTable(s.out, eng, ranked, tableView{width: s.width, now: now})
				}
			}
			if err == nil {
				err = q.Err()
			}
			if err != nil {
				return queueFailed(s, name, err)
			}
			return nil
		},
	}
	qf.add(c)
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	c.Flags().StringVar(&nowFlag, "now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	formatFlag(c, &format, "table", "json")
	return c
}

type jsonCluster struct {
	ID        string    `json:"id"`
	Size      int       `json:"size"`
	Customers int       `json:"customers"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Members   []string  `json:"members"`
}

func writeClusters(w io.Writer, cs []urgency.Cluster, format string, loc *time.Location) error {
	if format == "json" {
		lines := newJSONLines(w)
		for _, c := range cs {
			if err := lines.write(c.ID, jsonCluster{c.ID, c.Size, c.Customers, c.FirstSeen.In(loc), c.LastSeen.In(loc), c.Members}); err != nil {
				return err
			}
		}
		return lines.err()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CLUSTER\tSIZE\tCUSTOMERS\tFIRST(%s)\tLAST\n", zoneName(loc))
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", cell(c.ID, 40), c.Size, c.Customers,
			c.FirstSeen.In(loc).Format("2006-01-02 15:04"), c.LastSeen.In(loc).Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}
