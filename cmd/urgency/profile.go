package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profiles are the -cpuprofile and -memprofile flags of a command, for
// reading where a run spends its time and memory with go tool pprof.
type profiles struct {
	cpu, mem string
}

func (p *profiles) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.StringVar(&p.mem, "memprofile", "", "write a heap profile at the end of the run to `file`")
}

// start starts the CPU profile, if asked; the returned function stops it
// and writes the heap profile. Problems are reported on stderr: a profile
// that cannot be written does not fail the run.
func (p *profiles) start(cmd string, stderr io.Writer) (stop func()) {
	var cpu *os.File
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "urgency %s: cpu profile: %v\n", cmd, err)
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(stderr, "urgency %s: cpu profile: %v\n", cmd, err)
			}
		}
		if p.mem == "" {
			return
		}
		f, err := os.Create(p.mem)
		if err == nil {
			runtime.GC()
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "urgency %s: memory profile: %v\n", cmd, err)
		}
	}
}
