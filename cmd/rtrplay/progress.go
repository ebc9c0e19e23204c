package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/rtrplay/rtrplay/executor"
)

// progressView renders a run on a terminal: one bar per step with the
// hosts done, failed and queued, and the other lines of the plain view
// printed above the bars.
type progressView struct {
	mu   sync.Mutex
	w    io.Writer
	p    *mpb.Progress
	bars map[string]*stepBar
}

// stepBar counts with atomics because mpb renders decorators on its own
// goroutine, which must not wait for the view's lock.
type stepBar struct {
	bar                              *mpb.Bar
	failed, unknown, queued, skipped atomic.Int64
}

func newProgressView(w io.Writer) *progressView {
	return &progressView{w: w, p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(32)), bars: map[string]*stepBar{}}
}

func (v *progressView) handle(e executor.Event) {
	switch e := e.(type) {
	case executor.StepStarted:
		v.addBar(e.Step, e.Hosts)
		return
	case executor.HostStepFinished:
		if sb := v.bar(e.Step); sb != nil {
			switch e.State {
			case executor.StateFailed:
				sb.failed.Add(1)
			case executor.StateUnknown:
				sb.unknown.Add(1)
			case executor.StateQueued:
				sb.queued.Add(1)
			case executor.StateSkipped:
				sb.skipped.Add(1)
			}
			sb.bar.Increment()
		}
	case executor.StepFinished:
		if sb := v.bar(e.Step); sb != nil {
			sb.bar.SetTotal(-1, true)
		}
		return
	case executor.RunFinished:
		v.p.Wait()
		return
	}
	if line, ok := eventLine(e); ok {
		fmt.Fprintln(v.p, terminalSafe(line))
	}
}

func (v *progressView) bar(step string) *stepBar {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.bars[step]
}

func (v *progressView) addBar(step string, hosts int) {
	sb := &stepBar{}
	status := func(decor.Statistics) string {
		return fmt.Sprintf("failed %d  unknown %d  queued %d  skipped %d",
			sb.failed.Load(), sb.unknown.Load(), sb.queued.Load(), sb.skipped.Load())
	}
	sb.bar = v.p.AddBar(int64(hosts),
		mpb.PrependDecorators(decor.Name(terminalSafe(step), decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d hosts", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(status)),
	)
	if hosts == 0 {
		sb.bar.SetTotal(-1, true)
	}
	v.mu.Lock()
	v.bars[step] = sb
	v.mu.Unlock()
}

// summary prints the end of the run below the bars.
func (v *progressView) summary(r *executor.Report, runDir string) {
	(&textView{w: v.w}).summary(r, runDir)
}
