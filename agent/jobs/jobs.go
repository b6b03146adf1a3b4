// Package jobs runs small periodic commands beside the server: job
// declarations from environment variables and a crontab-format file, their
// validation, and a scheduler that starts each run as a child process
// through the agent's only reaper.
//
// It knows one family of the agent's variables, WSO2_AGENT_JOB_<NAME>
// (EnvPrefix, FromEnv), because declaring jobs is its job. It must not
// know any other variable of the agent, nor WSO2's products or profiles:
// the agent decides what to read (the environment it loaded,
// WSO2_AGENT_CRONTAB, its own jobs such as the certificate sync), turns it
// into Jobs (FromEnv, ParseCrontab, NewFunc), checks them (CheckNames,
// Resolve) and hands them to Start.
package jobs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wso2-container/agent/agent/supervise"
	"github.com/wso2-container/agent/internal/boundedread"
)

// EnvPrefix starts the name of every job variable: WSO2_AGENT_JOB_<NAME>.
const EnvPrefix = "WSO2_AGENT_JOB_"

// maxName is the longest job name accepted.
const maxName = 64

// Job is one declared job.
type Job struct {
	// Name identifies the job in every log line and error: the <NAME> of
	// WSO2_AGENT_JOB_<NAME> in lower case, the name= of a crontab line, or
	// "crontab:<line>" for an unnamed crontab line. Names are unique.
	Name string
	// Source is where the job was declared: the variable name, or
	// "<file>:<line>".
	Source string
	// Spec is the schedule as declared (words joined by one space).
	Spec     string
	Schedule cron.Schedule
	// Argv is the command of the job; nil for a built-in job (Func).
	Argv []string
	// Path is the executable of Argv[0], set by Resolve.
	Path string
	// Func is the body of a built-in job, run in the agent's process; ctx
	// is cancelled when the scheduler stops.
	Func func(ctx context.Context, log *slog.Logger) error
}

// Next returns the next n times the job fires after from (fewer if the
// schedule ends).
func (j *Job) Next(from time.Time, n int) []time.Time {
	var out []time.Time
	t := from
	for len(out) < n {
		t = j.Schedule.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Error is a problem with one job declaration. Its message starts with the
// source and names the job: "WSO2_AGENT_JOB_PURGE: job purge: empty
// command", "/etc/agent/crontab:3: job crontab:3: schedule ...".
type Error struct {
	Source string // variable or file:line
	Job    string // the job's name ("" when it has none yet)
	Err    error
}

func (e *Error) Error() string {
	if e.Job == "" {
		return fmt.Sprintf("%s: %v", e.Source, e.Err)
	}
	return fmt.Sprintf("%s: job %s: %v", e.Source, e.Job, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// FromEnv returns the jobs declared by WSO2_AGENT_JOB_<NAME>="<schedule>
// <command line>" variables of environ (os.Environ form), sorted by name,
// and one *Error per bad declaration. NAME is letters, digits and '_' and
// becomes the job's name in lower case.
func FromEnv(environ []string) ([]*Job, []error) {
	var (
		out  []*Job
		errs []error
	)
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, EnvPrefix) {
			continue
		}
		raw := strings.TrimPrefix(k, EnvPrefix)
		name := strings.ToLower(raw)
		if err := checkName(raw, false); err != nil {
			errs = append(errs, &Error{Source: k, Err: err})
			continue
		}
		j, err := declare(name, k, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Name != out[b].Name {
			return out[a].Name < out[b].Name
		}
		return out[a].Source < out[b].Source
	})
	return out, errs
}

func declare(name, source, line string) (*Job, error) {
	spec, sched, argv, err := SplitLine(line)
	if err != nil {
		return nil, &Error{Source: source, Job: name, Err: err}
	}
	return &Job{Name: name, Source: source, Spec: spec, Schedule: sched, Argv: argv}, nil
}

// checkName validates a job name: 1 to 64 letters, digits and '_' (and '-'
// and '.' when dots is set, for crontab names).
func checkName(n string, dots bool) error {
	if n == "" {
		return errors.New("empty job name")
	}
	if len(n) > maxName {
		return fmt.Errorf("job name %q is longer than %d characters", n, maxName)
	}
	for _, c := range n {
		ok := c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (dots && (c == '-' || c == '.'))
		if !ok {
			allowed := "letters, digits and _"
			if dots {
				allowed = "letters, digits, _, - and ."
			}
			return fmt.Errorf("job name %q: only %s are allowed", n, allowed)
		}
	}
	return nil
}

// ReadCrontab reads and parses the crontab file at path (see ParseCrontab).
// An unreadable file is a single *Error naming the file.
func ReadCrontab(path string) ([]*Job, []error) {
	data, err := boundedread.ReadFile(path, boundedread.Text)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, []error{&Error{Source: path, Err: fmt.Errorf("read crontab: %w", err)}}
	}
	return ParseCrontab(path, data)
}

// ParseCrontab parses the agent's crontab format; path only names the file
// in Sources and errors. Each line is
//
//	[name=NAME] <schedule> <command line>
//
// with the schedule and command as in a WSO2_AGENT_JOB_ variable (5 fields,
// 6 with seconds first, or a descriptor; the command split by SplitArgs).
// Blank lines and lines whose first non-blank character is # are skipped,
// and a line ending in a backslash continues on the next line. NAME is
// letters, digits, '_', '-' and '.'; without it the job is named
// "crontab:<line>". There is no user field (jobs run as WSO2_AGENT_USER),
// no VAR=value lines and no % handling. It returns one *Error per bad line,
// each naming file:line.
func ParseCrontab(path string, data []byte) ([]*Job, []error) {
	var (
		out  []*Job
		errs []error
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		start := lineNo
		line := strings.TrimSuffix(sc.Text(), "\r")
		if t := strings.TrimLeft(line, " \t"); t != "" && t[0] == '#' {
			continue // a comment, even one ending in '\', does not join the next line
		}
		for strings.HasSuffix(line, "\\") && !strings.HasSuffix(line, "\\\\") && sc.Scan() {
			lineNo++
			line = line[:len(line)-1] + " " + strings.TrimSuffix(sc.Text(), "\r")
		}
		t := strings.TrimLeft(line, " \t")
		if t == "" || t[0] == '#' {
			continue
		}
		src := path + ":" + strconv.Itoa(start)
		name := "crontab:" + strconv.Itoa(start)
		first, rest := t, ""
		if i := strings.IndexAny(t, " \t"); i >= 0 {
			first, rest = t[:i], t[i+1:]
		}
		if n, ok := strings.CutPrefix(first, "name="); ok {
			if err := checkName(n, true); err != nil {
				errs = append(errs, &Error{Source: src, Err: err})
				continue
			}
			name = strings.ToLower(n)
			t = rest
		} else if strings.Contains(first, "=") && !isTZ(first) {
			errs = append(errs, &Error{Source: src, Err: fmt.Errorf("%q: variable settings are not supported in the agent's crontab (set them in the container's environment, or use sh -c '...')", first)})
			continue
		}
		j, err := declare(name, src, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, j)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &Error{Source: path + ":" + strconv.Itoa(lineNo+1), Err: fmt.Errorf("read crontab: %w", err)})
	}
	return out, errs
}

// NewFunc declares a built-in job running fn on the schedule spec.
func NewFunc(name, source, spec string, fn func(ctx context.Context, log *slog.Logger) error) (*Job, error) {
	s, err := ParseSchedule(spec)
	if err != nil {
		return nil, &Error{Source: source, Job: name, Err: err}
	}
	return &Job{Name: name, Source: source, Spec: strings.Join(strings.Fields(spec), " "), Schedule: s, Func: fn}, nil
}

// CheckNames returns one *Error for every job whose name an earlier job of
// list already has, naming both sources.
func CheckNames(list []*Job) []error {
	var errs []error
	seen := map[string]*Job{}
	for _, j := range list {
		if prev, ok := seen[j.Name]; ok {
			errs = append(errs, &Error{Source: j.Source, Job: j.Name, Err: fmt.Errorf("duplicate job name: %s declares it too", prev.Source)})
			continue
		}
		seen[j.Name] = j
	}
	return errs
}

// Resolve finds the executable of every command job like execvp would: a
// name containing a slash is a path (relative to dir when dir is set), any
// other is looked up in the PATH of env. It sets Path and returns one
// *Error per job whose command is missing or not executable.
func Resolve(list []*Job, env []string, dir string) []error {
	var errs []error
	for _, j := range list {
		if j.Func != nil {
			continue
		}
		p, err := supervise.LookPath(j.Argv[0], dir, env)
		if err != nil {
			errs = append(errs, &Error{Source: j.Source, Job: j.Name, Err: err})
			continue
		}
		j.Path = p
	}
	return errs
}
