package packfile

import (
	"time"

	"github.com/triagekit/triage/urgency/internal/calendar"
	"gopkg.in/yaml.v3"
)

// Pack is everything the files of one rule pack say, with positions, before
// compilation.
type Pack struct {
	Name      string
	NamePos   Position
	Settings  Settings
	Levels    []*LevelDef
	Lists     []*ListDef
	Macros    []*MacroDef
	Rules     []*RuleDef
	DupRules  []*RuleDef // second definitions of a name, checked only
	Clusters  Clusters
	Calendars []*CalendarDef
	Order     []string // the order keys, from OrderKeys; nil for the default
	orderNode *yaml.Node
	orderSrc  *Source
	once      map[string]Position // sections a pack may have only once
	names     map[string]Position // "rule x", "list y"... for duplicates
	firstSrc  *Source

	// A pack that extends another is read in layers, the deepest base
	// first (see extend.go).
	Layer     int            // the layer being read, from 1
	from      map[string]int // the layer of each key of names and once
	nameLayer int            // the layer that set name
	overrides []overrideDef  // of the layer being read

	Sources  map[string]*Source // the files read, by name
	Hash     string             // of the files' contents, base first
	Complete bool               // see Read
}

// Settings are the settings section of a pack.
type Settings struct {
	NewCustomer time.Duration
	Timezone    string
	Loc         *time.Location
	Calendar    *CalendarRef
	Cal         *calendar.Calendar // resolved; nil until finish
	Pause       []string           // statuses during which service clocks stop
}

type LevelDef struct {
	Name     string
	Pos      Position
	MinScore float64
	HasMin   bool
	MinPos   Position
	MinBad   bool
	Within   time.Duration
	Resolve  time.Duration // 0: no resolution time
	Calendar *CalendarRef
	Cal      *calendar.Calendar // resolved in finish: the level's, else the pack's
	MinLayer int                // the layer that set min_score
}

type ListDef struct {
	Name  string
	Pos   Position
	Terms []TermDef
	Doc   string // the comment above the list's name
}

type TermDef struct {
	Text string
	Pos  Position
	Line string
	Lang string // the languages a comment above it or an earlier term names
}

type MacroDef struct {
	Name string
	Doc  string // the comment above the macro's name
	Pos  Position
	Expr Expr
}

type RuleDef struct {
	Name        string
	Pos         Position
	Description string
	When        Expr
	Score       Expr // empty text: the constant points
	Points      float64
	Level       string
	LevelNode   *yaml.Node
	LevelSrc    *Source
	Queue       string
	Tags        []string
	Within      time.Duration
	Resolve     time.Duration
	Calendar    *CalendarRef
	Cal         *calendar.Calendar // resolved in finish; nil for none
	Enabled     bool
	Layer       int // the layer that defined or last overrode the rule
}

// Clusters are the clusters section of a pack: how alike and how close
// in time two tickets must be to be one repeated issue.
type Clusters struct {
	Window     time.Duration
	Similarity float64
	Horizon    time.Duration
}

func newPack() *Pack {
	return &Pack{
		Settings: Settings{NewCustomer: 30 * 24 * time.Hour, Timezone: "UTC", Loc: time.UTC},
		Clusters: Clusters{Window: 2 * time.Hour, Similarity: 0.5, Horizon: 7 * 24 * time.Hour},
		once:     make(map[string]Position),
		names:    make(map[string]Position),
		from:     make(map[string]int),
	}
}
