package sns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ConfirmURL confirms a subscription an operator approved: it checks that
// subscribeURL is an HTTPS SNS URL with Action=ConfirmSubscription
// (CheckSubscribeURL) and fetches it, without following redirects. It is
// what `firstline hooks confirm` runs on the server.
func ConfirmURL(ctx context.Context, subscribeURL string) error {
	u, err := CheckSubscribeURL(subscribeURL, IsSNSHost)
	if err != nil {
		return fmt.Errorf("SubscribeURL %w", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, 10*time.Second, errors.New("SNS SubscribeURL timed out after 10s"))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	client := *defaultClient(nil)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("confirm subscription: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("confirm subscription: SubscribeURL answered %s", resp.Status)
	}
	return nil
}
