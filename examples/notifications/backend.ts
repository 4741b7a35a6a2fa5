/**
 * The Community Validator backend's side of the real-time layer (plan 003): the notification
 * service stores a notification and Herald pushes it (`new_notification`) only once it is
 * stored; the consensus engine broadcasts `validation_count_update` and `consensus_update`.
 * Plain HTTP calls with the backend's API key.
 */

/** A notification as the plan's notification service creates it. */
export interface NewNotification {
  title: string;
  message: string;
  /** e.g. `validation_received`, `consensus_reached`, `badge_earned`. @default "info" */
  type?: string;
  /** @default "medium" */
  priority?: "low" | "medium" | "high" | "urgent";
  actionUrl?: string;
  data?: Record<string, unknown>;
}

/** Talks to Herald's HTTP API as the backend. */
export class ValidatorBackend {
  /** @param baseUrl e.g. `http://localhost:8000` @param apiKey one of `auth.apiKeys` */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${json.code}: ${json.message}`);
    return json;
  }

  /** `create_notification`: stored, then pushed to every socket of the user. */
  async createNotification(userId: string, notification: NewNotification): Promise<{ id: string }> {
    const { notification: stored } = (await this.post(
      `/api/users/${encodeURIComponent(userId)}/notifications`,
      notification,
    )) as { notification: { id: string } };
    return stored;
  }

  /** `notify_validation_received`: the claim owner hears that someone validated the claim. */
  notifyValidationReceived(claimOwnerId: string, validatorName: string, action: string, claimId: string) {
    return this.createNotification(claimOwnerId, {
      type: "validation_received",
      title: "New validation",
      message: `${validatorName} ${action === "vouch" ? "vouched for" : `chose ${action} on`} your claim`,
      priority: "high",
      actionUrl: `/claims/${claimId}`,
      data: { validator_name: validatorName, action, claim_id: claimId },
    });
  }

  /** `update_validation_count`: to everyone. */
  updateValidationCount(claimId: string, count: number): Promise<Record<string, unknown>> {
    return this.post("/api/publish", {
      topic: "broadcast",
      event: "validation_count_update",
      data: { claim_id: claimId, count },
    });
  }

  /** `update_consensus_percentage`: to everyone. */
  updateConsensus(claimId: string, vouch: number, dispute: number, unsure: number): Promise<Record<string, unknown>> {
    return this.post("/api/publish", {
      topic: "broadcast",
      event: "consensus_update",
      data: { claim_id: claimId, vouch, dispute, unsure },
    });
  }
}
