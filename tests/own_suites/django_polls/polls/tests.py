from django.test import SimpleTestCase
from django.urls import reverse


class PollViewTests(SimpleTestCase):
    def test_index_lists_the_questions(self):
        response = self.client.get(reverse("polls:index"))
        self.assertContains(response, "Tabs or spaces?")

    def test_detail_links_to_the_discussion(self):
        response = self.client.get(reverse("polls:detail", args=[1]))
        self.assertContains(response, 'href="/blog/post/1"')

    def test_a_missing_question_is_404(self):
        self.assertEqual(self.client.get("/polls/99/").status_code, 404)

    def test_voting_redirects_to_the_question(self):
        response = self.client.post(reverse("polls:vote", args=[2]))
        self.assertRedirects(response, "/polls/2/", fetch_redirect_response=False)

    def test_results_are_json(self):
        response = self.client.get(reverse("polls:results", args=[1]))
        self.assertEqual(response.json(), {"question": "What's new?", "votes": 0})
