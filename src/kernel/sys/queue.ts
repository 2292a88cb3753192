// The removals of sys/queue.h (TAILQ_REMOVE, LIST_REMOVE), and an insertion before an element
// (TAILQ_INSERT_BEFORE), for the arrays the twin keeps its kernel lists in. They work in place:
// Array.prototype.splice allocates an array for what it removes, and list removals run several
// times on every address added or deleted.

/** Inserts `elm` at index `i` of `list`, in place, moving the elements from `i` on up one. */
export function list_insert_at<T>(list: T[], i: number, elm: T): void {
  for (let j = list.length; j > i; j--) list[j] = list[j - 1];
  list[i] = elm;
}

/** Removes the element at index `i` of `list`, keeping the order of the others. */
export function list_remove_at<T>(list: T[], i: number): void {
  for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j];
  list.pop();
}

/** Removes the first occurrence of `elm` from `list`; false when `elm` is not on it. */
export function list_remove<T>(list: T[], elm: T): boolean {
  const i = list.indexOf(elm);
  if (i < 0) return false;
  list_remove_at(list, i);
  return true;
}
