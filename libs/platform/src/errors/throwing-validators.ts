// A validation rule that throws is a refusal of its field, never a 500. validator.js throws on text it
// cannot read (isEmail decodes the address and a lone surrogate is a URIError), and one rule's throw
// ends the whole validation: the field's other rules, which would have named the character, never
// run, and a batch has no item to refuse but fails whole. Every rule class's `validate` is wrapped
// once, the first time class-validator looks it up: a synchronous throw counts as that rule failing,
// so the 400 names the field with the rule's own message, beside whatever else is wrong with it.
import { getMetadataStorage, type ValidatorConstraintInterface } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Validate = ValidatorConstraintInterface['validate'];

const INSTALLED = Symbol.for('chronicle.throwing-validators-refuse');

/** The rule classes already wrapped (each is looked up again on every validation). */
const wrapped = new WeakSet<object>();

function wrap(constraint: { prototype: ValidatorConstraintInterface }): void {
  if (wrapped.has(constraint)) return;
  wrapped.add(constraint);
  const validate: Validate | undefined = constraint.prototype?.validate;
  if (typeof validate !== 'function') return;
  constraint.prototype.validate = function (this: ValidatorConstraintInterface, ...args: Parameters<Validate>) {
    try {
      return validate.apply(this, args);
    } catch {
      return false;
    }
  };
}

/** Installs the wrapping on class-validator's process-wide storage (once; later calls do nothing). */
export function refuseWhatValidatorsThrowOn(storage: Storage = getMetadataStorage()): void {
  const marked = storage as Storage & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const constraintsOf = storage.getTargetValidatorConstraints.bind(storage);
  storage.getTargetValidatorConstraints = (target) => {
    const constraints = constraintsOf(target);
    for (const constraint of constraints) wrap(constraint.target as unknown as { prototype: ValidatorConstraintInterface });
    return constraints;
  };
}
