// A problem with one field of one step, raised while lowering; lowerProgram collects these into
// a ProgramError located as file:step:field.

export class StepFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "StepFieldError";
  }
}
