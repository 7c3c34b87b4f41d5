"""Delivery to members: invitations by e-mail (iTIP over iMIP, RFC 5546 and RFC 6047).

* :mod:`seoulcal.notify.run`: :func:`~seoulcal.notify.run.invite`, a whole run with a state
  file (what ``seoulcal invite`` does): revise with the site's policy, plan, send;
* :mod:`seoulcal.notify.invitations`: what each member has been sent (the state file) and what
  they are owed now (a pure planner), and the sending of what is owed through a mailer;
* :mod:`seoulcal.notify.compose`: one message (one event, one recipient) in the layout CalConnect
  tested, in the member's language;
* :mod:`seoulcal.notify.mail`: the :class:`~seoulcal.notify.mail.Mailer` protocol and its two
  implementations, SMTP and a folder of ``.eml`` files;
* :mod:`seoulcal.notify.settled`: the files beside a state file, and the record from which a
  rerun owing nothing is answered before anything is loaded.

The iTIP calendar of each message is built by :mod:`seoulcal.ics.itip`. ``docs/invitations.md``
is the user's guide.
"""
