package jobs

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/supervise"
)

// maxLine is the longest output line passed on in one piece; longer lines
// are cut into pieces of this size.
const maxLine = 64 * 1024

// drainWait is how long a finished run's output is still read before its
// end is logged; it only matters when the job left a background process
// holding its output open.
const drainWait = 200 * time.Millisecond

// Options is how the scheduler runs jobs.
type Options struct {
	// Reaper starts every run and delivers its status (required): nothing
	// else may wait for the agent's children.
	Reaper *supervise.Reaper
	// Log receives the scheduler's lines: scheduled (info), run started
	// (debug), run finished (info; warn when it failed), skipped (warn).
	// Nil discards them.
	Log *slog.Logger
	// Output receives each line a job writes to its stdout or stderr, as
	// "job=<name> | <line>". Nil discards them. Ignored when JSONOutput is
	// set.
	Output io.Writer
	// JSONOutput sends each output line to Log instead, as an info record
	// whose message is the line, with attributes job=<name> and
	// stream=output (for WSO2_AGENT_LOG_FORMAT=json).
	JSONOutput bool
	// Mask, when not nil, masks the secrets in each output line written to
	// Output (Log masks its own records).
	Mask func(string) string
	// Env is the environment of every run; Dir its working directory (""
	// inherits the agent's).
	Env []string
	Dir string
	// Credential, when not nil, is the user and groups every run gets.
	Credential *syscall.Credential
	// StopTimeout is how long Stop lets a running job's process group run
	// after SIGTERM before it SIGKILLs it.
	StopTimeout time.Duration
}

// Scheduler runs jobs on their schedules until Stop. Each run of a command
// job is a child process, leader of its own process group, started through
// the Reaper with /dev/null as stdin and one pipe as stdout and stderr. A job
// never runs twice at once: when it is due while its previous run is still
// going, that occurrence is skipped and logged.
type Scheduler struct {
	opt  Options
	log  *slog.Logger
	outM sync.Mutex // one output line at a time

	mu       sync.Mutex
	stopped  bool
	stopping chan struct{}
	wg       sync.WaitGroup
	ctx      context.Context // cancelled by Stop; given to built-in jobs
	cancel   context.CancelFunc
}

// Start schedules every job of list (Resolve must have set the Path of
// command jobs) and returns at once.
func Start(list []*Job, opt Options) *Scheduler {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{opt: opt, log: log, stopping: make(chan struct{}), ctx: ctx, cancel: cancel}
	for _, j := range list {
		s.wg.Add(1)
		go s.loop(j)
	}
	return s
}

// Stop stops scheduling, sends SIGTERM to the process group of every
// running job, SIGKILLs the groups still alive after StopTimeout, and
// returns once every run has ended (built-in jobs see their context
// cancelled and are waited for). It may be called more than once.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stopping)
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// loop fires j on its schedule until Stop.
func (s *Scheduler) loop(j *Job) {
	defer s.wg.Done()
	var running sync.Mutex // held while a run of j is going
	var since time.Time    // start of the current run (guarded by running's holder)
	next := j.Schedule.Next(time.Now())
	s.log.Info("job scheduled", "job", j.Name, "schedule", j.Spec, "next", next.Format(time.RFC3339))
	for {
		if next.IsZero() {
			s.log.Warn("job has no further run time", "job", j.Name, "schedule", j.Spec)
			return
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-s.stopping:
			t.Stop()
			return
		case <-t.C:
		}
		due := next
		// From the due time at the earliest: a timer measures monotonic
		// time and may end before the wall clock reaches due (clock
		// steps), which must not fire the same occurrence twice.
		next = j.Schedule.Next(later(time.Now(), due))
		if !running.TryLock() {
			s.log.Warn("job skipped: its previous run is still going", "job", j.Name, "due", due.Format(time.RFC3339), "running_for", time.Since(since).Round(time.Millisecond).String())
			continue
		}
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			running.Unlock()
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		since = time.Now()
		go func(started time.Time) {
			defer s.wg.Done()
			defer running.Unlock()
			if j.Func != nil {
				s.runFunc(j, started)
			} else {
				s.runCommand(j, started)
			}
		}(since)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// runFunc runs a built-in job in the agent's process.
func (s *Scheduler) runFunc(j *Job, started time.Time) {
	s.log.Debug("job started", "job", j.Name)
	err := j.Func(s.ctx, s.log.With("job", j.Name))
	d := time.Since(started).Round(time.Millisecond).String()
	if err != nil {
		s.log.Warn("job failed", "job", j.Name, "err", err.Error(), "duration", d)
		return
	}
	s.log.Info("job finished", "job", j.Name, "duration", d)
}

// runCommand runs one occurrence of a command job and logs its end.
func (s *Scheduler) runCommand(j *Job, started time.Time) {
	r, w, err := os.Pipe()
	if err != nil {
		s.log.Error("job could not start", "job", j.Name, "err", err.Error())
		return
	}
	cmd := &exec.Cmd{
		Path:        j.Path,
		Args:        j.Argv,
		Env:         s.opt.Env,
		Dir:         s.opt.Dir,
		Stdout:      w,
		Stderr:      w,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Credential: s.opt.Credential},
	}
	done, err := s.opt.Reaper.Start(cmd)
	w.Close() // the child has its copy; EOF once every holder has exited
	if err != nil {
		r.Close()
		s.log.Error("job could not start", "job", j.Name, "err", err.Error())
		return
	}
	pid := cmd.Process.Pid // = its process group (Setpgid); valid after reaping too
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		defer r.Close()
		s.copyLines(j.Name, r)
	}()
	s.log.Debug("job started", "job", j.Name, "pid", pid)

	var st supervise.Status
	select {
	case st = <-done:
	case <-s.stopping:
		s.log.Info("stopping job", "job", j.Name, "pgid", pid, "signal", "SIGTERM", "stop_timeout", s.opt.StopTimeout.String())
		st = supervise.StopGroup(pid, done, s.opt.StopTimeout)
	}
	t := time.NewTimer(drainWait)
	select {
	case <-drained:
	case <-t.C:
	}
	t.Stop()
	attrs := []any{"job", j.Name, "pid", pid, "status", st.String(), "exit_code", st.ExitCode(),
		"duration", time.Since(started).Round(time.Millisecond).String()}
	if st.ExitCode() != 0 {
		s.log.Warn("job failed", attrs...)
		return
	}
	s.log.Info("job finished", attrs...)
}

// copyLines passes every line read from r on with the job's name.
func (s *Scheduler) copyLines(name string, r io.Reader) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			s.emit(name, line)
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

func (s *Scheduler) emit(name string, line []byte) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	line = line[:n]
	if s.opt.JSONOutput {
		s.log.Info(string(line), "job", name, "stream", "output")
		return
	}
	if s.opt.Output == nil {
		return
	}
	if s.opt.Mask != nil {
		line = []byte(s.opt.Mask(string(line)))
	}
	buf := make([]byte, 0, len(name)+len(line)+8)
	buf = append(buf, "job="...)
	buf = append(buf, name...)
	buf = append(buf, " | "...)
	buf = append(buf, line...)
	buf = append(buf, '\n')
	s.outM.Lock()
	_, _ = s.opt.Output.Write(buf)
	s.outM.Unlock()
}
