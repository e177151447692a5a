-- engine 0027: the SNS subscription confirmations `POST /webhooks/ses` received, kept for the operator to confirm.
--
-- Why kept: SNS sends a SubscriptionConfirmation once (and again only if asked), and ebbflow
-- fetches no URL, so the operator confirms the subscription by opening its SubscribeURL; the
-- URL is logged when it arrives and kept here so it is not lost with a log. Only a confirmation
-- whose signature verified with a pinned certificate, for an allowed topic, is written
-- (EbbflowAPI/Webhooks/SES/SesSubscriptionConfirmations.swift); a repeat of the same SNS
-- MessageId is written once.
CREATE TABLE ses_subscription_confirmations (
    message_id text PRIMARY KEY,
    topic_arn text NOT NULL,
    subscribe_url text NOT NULL,
    -- SNS's Timestamp of the message, and when ebbflow received it (the database clock).
    sent_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL
);
