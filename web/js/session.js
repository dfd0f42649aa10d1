// The signed-in user and what their role may do in the UI (the server checks again).

export const session = { user: null };

const CREATE_PROJECT = new Set(['admin', 'business', 'cm']);
const CREATE_CUSTOMER = new Set(['admin', 'business', 'cm']);
const RECORD_EVENT = new Set(['admin', 'cm', 'business', 'project']);

export const ROLES = ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety', 'customer'];
export const STAGES = ['pre_contract', 'construction', 'warranty', 'post_warranty'];
/** The event that leaves each stage, and the stage it leads to. */
export const NEXT_EVENT = {
  pre_contract: { type: 'contract_signed', to: 'construction' },
  construction: { type: 'completion_filed', to: 'warranty' },
  warranty: { type: 'warranty_ended', to: 'post_warranty' },
};

export function role() { return session.user ? session.user.role : null; }
export function isAdmin() { return role() === 'admin'; }
export function canCreateProject() { return CREATE_PROJECT.has(role()); }
export function canCreateCustomer() { return CREATE_CUSTOMER.has(role()); }

/** Project staff may record only on projects they are members of. */
export function canRecordEvent(project) {
  const r = role();
  if (!RECORD_EVENT.has(r)) return false;
  if (r !== 'project') return true;
  const uid = session.user.id;
  return (project.member_ids || []).includes(uid) || (session.user.project_ids || []).includes(project.id)
    || project.manager_id === uid;
}

/** Every role but customer: penalty cases, improvement reviews, the quarterly table. */
export function isStaff() { return Boolean(role()) && role() !== 'customer'; }
/** A customer's user: the portal (its requests, a new one, its projects). */
export function isCustomer() { return role() === 'customer'; }

/** A project-team user who is a member (or the manager) of the project. */
export function isMember(project) {
  if (role() !== 'project') return false;
  const uid = session.user.id;
  return (project.member_ids || []).includes(uid) || (session.user.project_ids || []).includes(project.id)
    || project.manager_id === uid;
}

/** Official evaluations are the construction management dept's (cm). */
export function canEvaluateOfficial() { return role() === 'cm'; }
/** Self-checks are the project team's, on its own projects. */
export function canSelfCheck(project) { return isMember(project); }
/** Who may submit (or amend) an evaluation of this kind on this project. */
export function canEvaluateKind(kind, project) {
  return kind === 'official' ? canEvaluateOfficial() : kind === 'self_check' ? canSelfCheck(project) : false;
}
/** The leader decides penalty cases; cm closes improvement reviews. */
export function canDecideCase() { return role() === 'leader'; }
export function canCloseReview() { return role() === 'cm'; }
