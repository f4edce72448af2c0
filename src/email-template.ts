/**
 * The notification email's templates: subject, text body and HTML body. Each part left out
 * keeps the default wording.
 *
 * Placeholders: `{{caseId}}`, `{{employeeId}}`, `{{employeeName}}`, `{{employeeEmail}}`,
 * `{{openedAt}}`, `{{assignedAt}}` (ISO-8601 timestamps) and the case details `{{title}}`,
 * `{{priority}}`, `{{customerName}}`, `{{link}}` (empty when the case does not have them).
 * Sections: `{{#title}}...{{/title}}` is kept only when the case has a title,
 * `{{^title}}...{{/title}}` only when it has none; `{{#details}}...{{/details}}` when it has any
 * detail. An unknown placeholder, a `{{` without `}}` (or the reverse) or an unclosed
 * section fails synth with an error naming the prop and the placeholder.
 *
 * With the `acknowledgement` prop, also: `{{acknowledgeUrl}}` (the case's acknowledge link, an
 * https URL), `{{round}}` (1 for the first email), and from round 2 `{{escalatedFrom}}` (the
 * previous assignee's name) and `{{escalatedAfter}}` (the wait, e.g. `15 minutes`); the default
 * wording then adds the link and, from round 2, "Escalated from Ana after 15 minutes.". Without
 * it they are empty, and synth refuses them outside a section of theirs
 * (`{{#acknowledgeUrl}}...{{/acknowledgeUrl}}` renders nothing then).
 *
 * Case data cannot inject markup, headers or lines: values are HTML-escaped in the HTML body
 * (and allowed only where escaping protects them), line breaks become spaces in the text body,
 * and line breaks and other control characters become spaces in the subject (which is cut at 250
 * characters). Bidirectional override controls are removed from values everywhere.
 *
 * The defaults (today's wording): subject `New support case {{caseId}} is assigned to you`;
 * the bodies greet `{{employeeName}}`, say that case `{{caseId}}` (opened `{{openedAt}}`)
 * is theirs, list the case details when there are any, and what to do next.
 *
 * TypeScript:
 *
 * ```ts
 * new SupportCaseWorkflow(this, 'Support', {
 *   roster: EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.com' }]),
 *   senderEmail: 'support@example.com',
 *   senderName: 'Support Team',
 *   replyToAddresses: ['support-queue@example.com'],
 *   emailTemplate: {
 *     subject: 'New support case {{caseId}} is assigned to you',
 *     text: 'Hi {{employeeName}}, case {{caseId}}{{#title}}: {{title}}{{/title}} is yours.',
 *     html: '<p>Hi {{employeeName}}, case <b>{{caseId}}</b>{{#title}}: {{title}}{{/title}} is yours.</p>',
 *   },
 * });
 * ```
 *
 * Python:
 *
 * ```python
 * SupportCaseWorkflow(self, "Support",
 *     roster=EmployeeRoster.from_employees([Employee(id="e1", name="Ana", email="ana@example.com")]),
 *     sender_email="support@example.com",
 *     sender_name="Support Team",
 *     reply_to_addresses=["support-queue@example.com"],
 *     email_template=EmailTemplate(
 *         subject="New support case {{caseId}} is assigned to you",
 *         text="Hi {{employeeName}}, case {{caseId}}{{#title}}: {{title}}{{/title}} is yours.",
 *     ),
 * )
 * ```
 *
 * Java:
 *
 * ```java
 * SupportCaseWorkflow.Builder.create(this, "Support")
 *     .roster(EmployeeRoster.fromEmployees(List.of(Employee.builder().id("e1").name("Ana").email("ana@example.com").build())))
 *     .senderEmail("support@example.com")
 *     .senderName("Support Team")
 *     .replyToAddresses(List.of("support-queue@example.com"))
 *     .emailTemplate(EmailTemplate.builder()
 *         .subject("New support case {{caseId}} is assigned to you")
 *         .text("Hi {{employeeName}}, case {{caseId}}{{#title}}: {{title}}{{/title}} is yours.")
 *         .build())
 *     .build();
 * ```
 *
 * C#:
 *
 * ```csharp
 * new SupportCaseWorkflow(this, "Support", new SupportCaseWorkflowProps {
 *     Roster = EmployeeRoster.FromEmployees(new [] { new Employee { Id = "e1", Name = "Ana", Email = "ana@example.com" } }),
 *     SenderEmail = "support@example.com",
 *     SenderName = "Support Team",
 *     ReplyToAddresses = new [] { "support-queue@example.com" },
 *     EmailTemplate = new EmailTemplate {
 *         Subject = "New support case {{caseId}} is assigned to you",
 *         Text = "Hi {{employeeName}}, case {{caseId}}{{#title}}: {{title}}{{/title}} is yours.",
 *     },
 * });
 * ```
 *
 * Go:
 *
 * ```go
 * supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
 * 	Roster: supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{
 * 		{Id: jsii.String("e1"), Name: jsii.String("Ana"), Email: jsii.String("ana@example.com")},
 * 	}),
 * 	SenderEmail:      jsii.String("support@example.com"),
 * 	SenderName:       jsii.String("Support Team"),
 * 	ReplyToAddresses: jsii.Strings("support-queue@example.com"),
 * 	EmailTemplate: &supportcaseworkflow.EmailTemplate{
 * 		Subject: jsii.String("New support case {{caseId}} is assigned to you"),
 * 		Text:    jsii.String("Hi {{employeeName}}, case {{caseId}}{{#title}}: {{title}}{{/title}} is yours."),
 * 	},
 * })
 * ```
 */
export interface EmailTemplate {
  /**
   * Subject template: one line, no control characters.
   *
   * @default 'New support case {{caseId}} is assigned to you'
   */
  readonly subject?: string;

  /**
   * Plain-text body template. Values are inserted as they are, except that line breaks in a
   * value become one space (a value cannot forge lines of the email).
   *
   * @default - today's text: greeting, case id and opening time, the details if any, next steps
   */
  readonly text?: string;

  /**
   * HTML body template. Values are HTML-escaped, which protects them in element text and in
   * quoted attributes (`title="{{title}}"`). Synth refuses a value anywhere else: an unquoted
   * attribute, a URL attribute (`href`, `src`...) other than `"{{link}}"` or `"{{acknowledgeUrl}}"`
   * as the whole value (both are always http(s) URLs), `style`, `on...` handlers, `srcdoc`, `<script>`, `<style>`.
   *
   * @default - today's HTML: greeting, case id and opening time, the details if any, next steps
   */
  readonly html?: string;
}
