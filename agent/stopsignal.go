package agent

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/supervise"
)

// stopOnSignal, when the agent is PID 1, subscribes TERM and INT for a
// subcommand other than run (render, certs generate, admin-password,
// health): the returned context is cancelled by the first one, and stopped
// reports which came (0: none); the caller exits 128+N with a line saying
// so. Unsubscribed, Go's default action is to exit, and a PID 1 (`docker
// run IMAGE render` through the images' `agent run` entrypoint) that cannot
// die of its own signal exits 2, undocumented and without a word. Any other
// process keeps Go's default, which is right for it (it dies of the signal,
// and its parent sees 128+N) and costs nothing: a subscription starts the
// runtime's signal thread, which a short command's memory and time would
// pay for on every start: it gets ctx itself back, a stopped that reports
// 0, and a release that does nothing. As PID 1, release unsubscribes and
// cancels the context; a signal after it gets Go's default action.
func stopOnSignal(ctx context.Context) (_ context.Context, stopped func() syscall.Signal, release func()) {
	if os.Getpid() != 1 {
		return ctx, func() syscall.Signal { return 0 }, func() {}
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT)
	ctx, cancel := context.WithCancel(ctx)
	var sig atomic.Int32
	go func() {
		select {
		case s := <-sigc:
			if n, ok := s.(syscall.Signal); ok {
				sig.Store(int32(n))
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() syscall.Signal { return syscall.Signal(sig.Load()) }, func() {
		signal.Stop(sigc)
		cancel()
	}
}

// stoppedError is the error of a subcommand stopped by sig before it
// finished (err: what the stop interrupted): exit 128+sig, and a line
// saying which signal.
func stoppedError(sig syscall.Signal, err error) error {
	return &exitcode.Error{Code: 128 + int(sig), Err: fmt.Errorf("stopped by %s: %w", supervise.SignalName(sig), err)}
}
