// EbbflowDelivery: the `deliver` queue's jobs, which lease sends, render them and hand them to a relay or webhook.
