package urgency

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm/runtime"
)

// The cost of an expression is bounded twice. At load, a rule may call
// only the built-ins that ranking needs (allowedBuiltins) and the pure
// methods of times and durations (allowedMethods): nothing that reads the
// host's files or clock zone, and nothing that only makes text or lists
// bigger. At run time, every rule's expressions on one ticket have a
// budget of MaxRuleCost cost units, and all the rules of a pack together
// MaxTicketCost: the meter patcher adds a charge to every step whose
// cost grows with the ticket (an iteration of a predicate, a built-in
// reading text or a list, text joined or replaced, a comparison of two
// values that are not constants). A rule over its budget fails for that
// ticket, is reported in the assessment, and the ticket is assessed with
// the other rules.

// allowedBuiltins are expr's built-ins a rule may call. Left out: now and
// timezone (the host's clock and zone files); repeat, concat, flatten and
// splitAfter, the sorting, grouping and reducing built-ins and the JSON
// and Base64 codecs, each a way to build large values from small ones;
// and take, uniq, reverse, mean, median, toPairs and fromPairs, which
// rank nothing and would each need a cost of their own.
var allowedBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "count": true,
	"sum": true, "len": true, "type": true, "abs": true, "ceil": true, "floor": true,
	"round": true, "int": true, "float": true, "string": true, "trim": true,
	"trimPrefix": true, "trimSuffix": true, "upper": true, "lower": true, "split": true,
	"replace": true, "join": true, "indexOf": true, "lastIndexOf": true,
	"hasPrefix": true, "hasSuffix": true, "max": true, "min": true, "duration": true,
	"date": true, "first": true, "last": true, "get": true, "keys": true, "values": true,
	"bitand": true, "bitor": true, "bitxor": true, "bitnand": true, "bitnot": true,
	"bitshl": true, "bitshr": true, "bitushr": true,
}

// allowedMethods are the methods of time.Time and time.Duration values
// (now, age, due_in, date(...)) a rule may call. Left out are those that
// read the host's zone (Local), load or name zones (In, Location, Zone,
// ZoneBounds), and the encoders.
var allowedMethods = map[string]bool{
	"Year": true, "Month": true, "Day": true, "Hour": true, "Minute": true, "Second": true,
	"Nanosecond": true, "Weekday": true, "YearDay": true, "Before": true, "After": true,
	"Equal": true, "Compare": true, "IsZero": true, "Sub": true, "Add": true, "AddDate": true,
	"Truncate": true, "Round": true, "Unix": true, "UnixMilli": true, "UnixMicro": true,
	"UnixNano": true, "UTC": true, "Format": true, "String": true, "Hours": true,
	"Minutes": true, "Seconds": true, "Milliseconds": true, "Microseconds": true,
	"Nanoseconds": true, "Abs": true,
}

// methodReceivers are the types whose methods a rule may call: a value a
// Go host put in a ticket's fields could have methods of its own, and
// calling them would run host code.
var methodReceivers = map[reflect.Type]bool{
	reflect.TypeFor[time.Time](): true, reflect.TypeFor[time.Duration](): true,
	reflect.TypeFor[time.Weekday](): true, reflect.TypeFor[time.Month](): true,
}

// Built-ins whose predicate gives true or false: each iteration is charged
// as it runs, so that one that stops early costs only what it ran.
var boolPredicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "count": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
}

// Names of the metering functions the patcher calls; a rule cannot write
// them.
const (
	fnCharge  = "charge·"
	fnStep    = "step·"
	fnAdd     = "add·"
	fnJoin    = "join·"
	fnReplace = "replace·"
	fnJoinStr = "concat·meter"
	fnTrim    = "trim·"
	fnDate    = "date·"
)

// maxRange is expr's memory budget: the longest range it builds.
const maxRange = 1_000_000

// textUnit is the number of bytes of text that cost one unit: reading or
// building text costs about a VM step per this many bytes.
const textUnit = 8

// budgetError is what a rule over its budget fails with; the message
// names no ticket text.
type budgetError struct{ ticket bool }

func (b budgetError) Error() string {
	if b.ticket {
		return fmt.Sprintf("the pack's rules used the budget of %d cost units for one ticket; this rule was not finished", MaxTicketCost)
	}
	return fmt.Sprintf("the rule needed more than its budget of %d cost units on this ticket (loops over long text or lists?)", MaxRuleCost)
}

// meter is the budget of the rule running now and of the ticket.
type meter struct {
	rule   int64 // left for the rule running
	ticket int64 // left for the ticket's rules
	over   bool  // the ticket's budget, not the rule's, ran out
}

func (m *meter) resetTicket() { m.ticket = MaxTicketCost }

func (m *meter) startRule() {
	m.rule = min(MaxRuleCost, m.ticket)
	m.over = m.ticket < MaxRuleCost
}

func (m *meter) charge(n int64) error {
	if n < 0 || n > m.rule {
		m.ticket -= m.rule
		m.rule = 0
		return budgetError{ticket: m.over}
	}
	m.rule -= n
	m.ticket -= n
	return nil
}

// meterOf finds the meter of the evaluation behind $env.
func meterOf(env any) *meter {
	switch e := env.(type) {
	case *Env:
		return &e.st.meter
	case Env:
		return &e.st.meter
	}
	panic("urgency: metering outside an evaluation")
}

// units is what reading v costs: a unit per textUnit bytes of text and a
// unit per element of a list or map, nested ones included. It stops
// counting past limit.
func units(v any, limit int64) int64 {
	switch v := v.(type) {
	case nil, bool, int, int64, float64, time.Time, time.Duration:
		return 1
	case string:
		return int64(len(v)/textUnit) + 1
	case []string:
		n := int64(len(v)) + 1
		for _, s := range v {
			if n > limit {
				break
			}
			n += int64(len(s) / textUnit)
		}
		return n
	case []any:
		n := int64(len(v)) + 1
		for _, e := range v {
			if n > limit {
				break
			}
			n += units(e, limit-n) - 1
		}
		return n
	case map[string]any:
		n := int64(len(v)) + 1
		for k, e := range v {
			if n > limit {
				break
			}
			n += int64(len(k)/textUnit) + units(e, limit-n) - 1
		}
		return n
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return int64(rv.Len()/textUnit) + 1
	case reflect.Slice, reflect.Array, reflect.Map:
		return int64(rv.Len()) + 1
	}
	return 1
}

func chargeFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	k := int64(args[2].(int))
	if err := m.charge(k * units(args[1], m.rule/max(k, 1)+1)); err != nil {
		return nil, err
	}
	return true, nil
}

func stepFunc(args ...any) (any, error) {
	if err := meterOf(args[0]).charge(int64(args[1].(int))); err != nil {
		return nil, err
	}
	return true, nil
}

// joinedText builds a + b, charged, within maxConcatBytes.
func joinedText(m *meter, a, b string) (string, error) {
	if len(a)+len(b) > maxConcatBytes {
		return "", fmt.Errorf("text joined with + would be longer than %d KiB", maxConcatBytes>>10)
	}
	if err := m.charge(int64((len(a)+len(b))/textUnit) + 1); err != nil {
		return "", err
	}
	return a + b, nil
}

func concatMeterFunc(args ...any) (any, error) {
	return joinedText(meterOf(args[0]), args[1].(string), args[2].(string))
}

// addFunc is + on values whose type is known only at run time: text is
// joined within the bounds, anything else added as expr adds it.
func addFunc(args ...any) (any, error) {
	if a, ok := args[1].(string); ok {
		if b, ok := args[2].(string); ok {
			return joinedText(meterOf(args[0]), a, b)
		}
	}
	return runtime.Add(args[1], args[2]), nil
}

func replaceFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	s, old, repl := args[1].(string), args[2].(string), args[3].(string)
	if err := m.charge(int64(len(s)/textUnit) + 1); err != nil {
		return nil, err
	}
	n := strings.Count(s, old)
	if size := len(s) + n*(len(repl)-len(old)); n > 0 && size > maxConcatBytes {
		return nil, fmt.Errorf("replace would make text longer than %d KiB", maxConcatBytes>>10)
	} else if err := m.charge(int64(size/textUnit) + 1); err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// trimFunc is trim(text, cutset): strings.Trim looks up every character
// of the text in a cutset that is not ASCII, so both are charged.
func trimFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	s, cut := args[1].(string), args[2].(string)
	cost := units(s, m.rule)
	if !isASCII(cut) {
		cost *= units(cut, m.rule)
	} else {
		cost += units(cut, m.rule)
	}
	if err := m.charge(cost); err != nil {
		return nil, err
	}
	return strings.Trim(s, cut), nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func joinFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	sep := ""
	if len(args) > 2 {
		sep = args[2].(string)
	}
	var parts []string
	switch v := args[1].(type) {
	case []string:
		parts = v
	case []any:
		parts = make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("join takes a list of texts, not of %s", kindOfValue(e))
			}
			parts = append(parts, s)
		}
	case nil:
		return nil, errors.New("join takes a list of texts, not nothing (is a custom field missing?)")
	default:
		return nil, fmt.Errorf("join takes a list of texts, not %s", kindOfValue(v))
	}
	size := len(sep) * max(len(parts)-1, 0)
	for _, p := range parts {
		size += len(p)
		if size > maxConcatBytes {
			return nil, fmt.Errorf("join would make text longer than %d KiB", maxConcatBytes>>10)
		}
	}
	if err := m.charge(int64(len(parts)) + int64(size/textUnit) + 1); err != nil {
		return nil, err
	}
	return strings.Join(parts, sep), nil
}

// kindOfValue names the kind of a value without showing it.
func kindOfValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "text"
	case bool:
		return "true/false"
	case int, int64, float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return typeName(reflect.TypeOf(v))
}

// meterOptions are the expr options of the metering functions, and of
// date() in the pack's zone loc.
func meterOptions(loc *time.Location) []expr.Option {
	return []expr.Option{
		expr.Function(fnDate, dateFunc(loc), new(func(string) time.Time), new(func(string, string) time.Time)),
		expr.Function(fnCharge, chargeFunc, new(func(Env, any, int) bool)),
		expr.Function(fnStep, stepFunc, new(func(Env, int) bool)),
		expr.Function(fnJoinStr, concatMeterFunc, new(func(Env, string, string) string)),
		expr.Function(fnAdd, addFunc, new(func(Env, any, any) any)),
		expr.Function(fnReplace, replaceFunc, new(func(Env, string, string, string) string)),
		expr.Function(fnJoin, joinFunc, new(func(Env, any) string), new(func(Env, any, string) string)),
		expr.Function(fnTrim, trimFunc, new(func(Env, string, string) string)),
	}
}

// dateFunc is date() in rules: the text read in the pack's zone, with a
// layout or with the layouts expr's date() tries. expr's own falls back to
// the host's zone where its zone argument is missing, which happens to a
// date() inside a macro; this one is given the zone when it is made.
func dateFunc(loc *time.Location) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("date() reads text, not %s", kindOfValue(args[0]))
		}
		if len(args) == 2 {
			layout, ok := args[1].(string)
			if !ok {
				return nil, fmt.Errorf("date() takes its layout as text, not %s", kindOfValue(args[1]))
			}
			t, err := time.ParseInLocation(layout, s, loc)
			if err != nil {
				return nil, errors.New("date() could not read the text as a date in this layout")
			}
			return t, nil
		}
		for _, layout := range dateLayouts {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t, nil
			}
		}
		return nil, errors.New("date() could not read the text as a date")
	}
}

// dateLayouts are the layouts date(text) tries, expr's own.
var dateLayouts = []string{"2006-01-02", "15:04:05", "2006-01-02 15:04:05", time.RFC3339, time.RFC822, time.RFC850, time.RFC1123}
