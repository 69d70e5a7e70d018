// Package sns is the hook type for an Amazon SNS HTTP(S) subscription: the
// hook's URL is subscribed to a topic, and SNS posts its
// SubscriptionConfirmation, Notification and UnsubscribeConfirmation
// messages to it.
//
//	kind: Hook
//	name: sns
//	spec:
//	  Type: sns
//	  AutoConfirm: false    # true: visit SubscribeURL instead of emitting an event
//	  TopicArns:            # optional allow-list of topics; set it, above all with AutoConfirm
//	    - arn:aws:sns:ap-northeast-1:123456789012:monitoring_topic
//
// The framework does not authenticate SNS requests: every message is
// verified here, before anything else is done with it. The signature
// (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) is checked over the
// string to sign (the fields Message, MessageId, Subject if present,
// SubscribeURL, Timestamp, Token, TopicArn and Type that the message type
// signs, each as "Name\nvalue\n") with the certificate fetched from
// SigningCertURL — only from an https URL whose host is
// sns.<region>.amazonaws.com(.cn) (IsSNSHost), with no redirects, and only
// while the certificate is within its validity period. Certificates are
// cached by URL (bounded, with expiry). A message that fails any of this
// returns an *UnauthorizedError (401); when the certificate cannot be
// fetched for a reason that may pass (network, 5xx), an *UnavailableError
// answers 503 so that SNS retries.
//
// Events (source, detail-type; time, account and region as noted):
//
//   - SubscriptionConfirmation: with AutoConfirm, SubscribeURL is fetched
//     (same host rule, Action=ConfirmSubscription) and the request is
//     answered 200 without events. Otherwise one event "aws.sns" / "SNS
//     Subscription Confirmation", detail {TopicArn, SubscribeURL, Token,
//     MessageId, Timestamp}, for an operator or a rule to act on.
//   - Notification whose Message is a classic CloudWatch alarm notification:
//     the event EventBridge would have delivered, "aws.cloudwatch" /
//     "CloudWatch Alarm State Change", resources [AlarmArn], time
//     StateChangeTime, account and region from AlarmArn, detail {alarmName,
//     configuration {description, metrics | alarmRule}, previousState
//     {value}, state {reason, timestamp, value}}. What SNS does not carry
//     (previousState reason and timestamp, reasonData, the metric id of a
//     single-metric alarm) is left out; see docs/hooks/sns.md.
//   - Any other Notification: "aws.sns" / "SNS Notification", detail
//     {TopicArn, Subject, Message, MessageId, Timestamp, MessageAttributes}
//     (Subject and MessageAttributes only when present; Message is the
//     string as published), resources [TopicArn].
//   - UnsubscribeConfirmation: "aws.sns" / "SNS Unsubscribe Confirmation",
//     detail as for a subscription confirmation.
//
// SNS events have resources [TopicArn], the time of the SNS Timestamp and
// the account and region of the TopicArn.
package sns
