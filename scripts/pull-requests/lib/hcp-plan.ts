/**
 * HCP Terraform: the JSON plan of the run a CLI-driven `terraform plan` started. The CLI streams only
 * text; the run's URL in that text names the run, and the API serves its plan as `terraform show -json`
 * does: GET /api/v2/runs/:run_id/plan/json-output (HCP Terraform API reference, "Plans": "Retrieve the
 * JSON execution plan"; it answers with a redirect to the file, which fetch follows).
 */
import { terraformTokenVariable } from "./terraform-token";

/** The run's host and id from Terraform's output (`https://<host>/app/<org>/<workspace>/runs/run-...`). */
export function runFromLog(text: string): { host: string; runId: string } | undefined {
  const match = /https:\/\/([A-Za-z0-9.-]+)\/app\/[^\s/]+\/(?:workspaces\/)?[^\s/]+\/runs\/(run-[A-Za-z0-9]+)/.exec(
    text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""),
  );
  return match === null ? undefined : { host: match[1] ?? "", runId: match[2] ?? "" };
}

export async function fetchRunPlanJson(host: string, runId: string, token: string, call: typeof fetch = fetch): Promise<string> {
  const url = `https://${host}/api/v2/runs/${runId}/plan/json-output`;
  const response = await call(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, redirect: "follow" });
  if (!response.ok) {
    throw new Error(
      `HCP Terraform GET ${url}: ${response.status}; the token in ${terraformTokenVariable(host)} needs read access to the workspace's runs (a team token with the "plan" permission)`,
    );
  }
  return response.text();
}
