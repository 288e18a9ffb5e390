import { expect } from "vitest";
import { send } from "./worker";

export const DASHBOARD_COOKIE = "gatehouse_dashboard";
/** What a browser adds to a form it submits from one of our own pages. */
export const SAME_ORIGIN = { "Sec-Fetch-Site": "same-origin", Origin: "https://gatehouse.test" };

/** POSTs a form as the dashboard's own page would (a cookie and fields). */
export function postForm(
  path: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  }
  return send(path, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...SAME_ORIGIN, ...headers },
    body: body.toString(),
  });
}

export interface DashboardVisitor {
  cookie: string;
  /** The `_csrf` value of this session's forms, as read from a page. */
  formToken: string;
  get: (path: string) => Promise<Response>;
  post: (path: string, fields?: Record<string, string | string[]>) => Promise<Response>;
}

/** Signs in through the dashboard's form and reads the form token from the first page. */
export async function signInToDashboard(email: string, password: string): Promise<DashboardVisitor> {
  const res = await postForm("/dashboard/sign-in", { email, password });
  expect(res.status).toBe(303);
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${DASHBOARD_COOKIE}=`));
  const cookie = line?.slice(DASHBOARD_COOKIE.length + 1).split(";")[0];
  if (!cookie) throw new Error("no dashboard cookie");
  const headers = { Cookie: `${DASHBOARD_COOKIE}=${cookie}` };
  const get = (path: string) => send(path, { headers, redirect: "manual" });
  const page = await (await get("/dashboard/sessions")).text();
  const formToken = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!formToken) throw new Error("no form token on the page");
  return {
    cookie,
    formToken,
    get,
    post: (path, fields = {}) => postForm(path, { _csrf: formToken, ...fields }, headers),
  };
}
