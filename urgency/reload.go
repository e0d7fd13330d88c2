package urgency

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Policy is the rule pack a host serves, reloaded while it serves: it
// holds the current [Engine] and swaps in a new one when [Policy.Reload]
// loads a good pack. A pack that fails to load is rejected and the
// engine in use keeps serving, so a support lead's mistake never stops
// the helpdesk. Queues bound with [Policy.Bind] rank with the new engine
// after every successful reload. Each [Assessment] names the version
// that produced it in Pack.
//
// A Policy is safe for concurrent use: Engine never blocks, and reloads
// are serialized.
type Policy struct {
	load func() (*Engine, error)
	cur  atomic.Pointer[Engine]

	mu     sync.Mutex // serializes Reload, Bind and Unbind
	queues []*Queue
}

// NewPolicy returns a policy serving the engine load returns, and load
// is how [Policy.Reload] loads the pack again, for instance
//
//	p, err := urgency.NewPolicy(func() (*urgency.Engine, error) {
//		return urgency.Load("rules/")
//	})
//
// It returns the error of load, unchanged, when the first load fails.
func NewPolicy(load func() (*Engine, error)) (*Policy, error) {
	if load == nil {
		return nil, errors.New("no function to load the rules with")
	}
	e, err := loadEngine(load)
	if err != nil {
		return nil, err
	}
	p := &Policy{load: load}
	p.cur.Store(e)
	return p, nil
}

func loadEngine(load func() (*Engine, error)) (*Engine, error) {
	e, err := load()
	if err == nil && e == nil {
		err = errors.New("loading the rules gave no engine")
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Engine returns the engine serving now. Use the engine returned for one
// piece of work (one ticket, one ranking), so that it is judged by one
// version of the rules throughout.
func (p *Policy) Engine() *Engine { return p.cur.Load() }

// Version returns the version of the engine serving now, see
// [Engine.Version].
func (p *Policy) Version() string { return p.Engine().Version() }

// Reload loads the pack again. When it loads, the new engine replaces
// the one serving, for [Policy.Engine] and every bound queue, and Reload
// reports whether the version changed; a pack identical to the one
// serving (the same [Engine.Version]) is not swapped in and changed is
// false.
//
// When the pack fails to load, nothing changes: the engine serving keeps
// serving, and the error says so and wraps the loader's error, for a
// pack's mistakes an [ErrorList] that errors.As finds, each with its
// file:line:col.
func (p *Policy) Reload() (changed bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.cur.Load()
	e, err := loadEngine(p.load)
	if err != nil {
		return false, fmt.Errorf("rules not reloaded, %s keeps serving: %w", old.Version(), err)
	}
	if e.Version() == old.Version() {
		return false, nil
	}
	p.cur.Store(e)
	for _, q := range p.queues {
		q.SetEngine(e)
	}
	return true, nil
}

// Bind makes q rank with the policy's engine, now and after every
// successful reload, until [Policy.Unbind]. Binding a queue twice binds
// it once.
func (p *Policy) Bind(q *Queue) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.queues, q) {
		p.queues = append(p.queues, q)
	}
	q.SetEngine(p.cur.Load())
}

// Unbind stops updating q on reloads; it keeps the engine it has. A host
// unbinds a queue it no longer uses, so that the policy does not keep it.
func (p *Policy) Unbind(q *Queue) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.queues, q); i >= 0 {
		p.queues = slices.Delete(p.queues, i, i+1)
	}
}

// Watch calls [Policy.Reload] every interval until ctx is done, and
// calls report, when not nil, with the new version after each change,
// and with the version still serving and the error after a failed
// reload. A failure is reported once until it changes or the pack loads
// again: a broken file is not reported on every tick. Each tick loads the
// whole pack; a second or more is a sensible interval (an interval of
// zero or less means a second).
//
// Watch polls rather than subscribing to file-system events, so it works
// for any loader. Hosts that prefer to reload on demand instead call
// Reload themselves, typically on SIGHUP:
//
//	sig := make(chan os.Signal, 1)
//	signal.Notify(sig, syscall.SIGHUP)
//	for range sig {
//		if _, err := p.Reload(); err != nil {
//			log.Print(err)
//		}
//	}
func (p *Policy) Watch(ctx context.Context, every time.Duration, report func(version string, err error)) {
	if every <= 0 {
		every = time.Second
	}
	if report == nil {
		report = func(string, error) {}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var failed string // the failure last reported
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := p.Reload()
		switch {
		case err != nil:
			if msg := failure(err); msg != failed {
				failed = msg
				report(p.Version(), err)
			}
		case changed:
			failed = ""
			report(p.Version(), nil)
		default:
			failed = ""
		}
	}
}

// failure tells failed reloads apart: by every problem of a pack, as an
// ErrorList's message names only the first.
func failure(err error) string {
	var list ErrorList
	if !errors.As(err, &list) {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
