// A typed wno client from the host's own /openapi.json (docs/openapi.md).
// `wno-api` is what openapi-typescript generates:
//   npx openapi-typescript http://127.0.0.1:8080/openapi.json -o wno-api.d.ts
// tests/web/client.mjs generates it from config/default.json and type-checks
// this file with tsc, so a change to the API that breaks it fails CI.
import createClient from "openapi-fetch";
import type { components, paths } from "wno-api";

type User = components["schemas"]["Users"];
type Job = components["schemas"]["Job"];

const wno = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function activeModerators(): Promise<Array<Partial<User>>> {
  const { data, error } = await wno.GET("/api/v1/users", {
    params: { query: { status: "active", role: "in.(admin,moderator)", sort: "-created_at", limit: 20, fields: "id,username" } },
  });
  if (error) throw new Error(`${error.status} ${error.title}: ${error.detail} (${error.parameter ?? "-"})`);
  return data.data;
}

export async function renameUser(id: number, username: string): Promise<User> {
  const current = await wno.GET("/api/v1/users/{id}", { params: { path: { id } } });
  const etag = current.response.headers.get("ETag") ?? "*";
  const { data, error, response } = await wno.PATCH("/api/v1/users/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { username },
  });
  if (response.status === 412) throw new Error("changed meanwhile: GET it again and retry");
  if (error) throw new Error(error.detail);
  return data;
}

export async function processContent(contentId: number): Promise<Job> {
  const { data, error } = await wno.POST("/api/v1/jobs", {
    body: { type: "process_content", data: { content_id: contentId }, priority: "high", job_id: `content-${contentId}` },
  });
  if (error) throw new Error(error.detail);
  return data;
}

export async function invalidate(adminKey: string, tags: string[]): Promise<number> {
  const { data, error } = await wno.POST("/admin/cache/invalidate", {
    body: { tags },
    headers: { Authorization: `Bearer ${adminKey}` },
  });
  if (error) throw new Error(error.detail);
  return data.invalidated;
}
